package dev.berth.network;

import java.util.List;

/**
 * How a container asks to be on a network ({@code NetworkingConfig.EndpointsConfig}, {@code docker network
 * connect}): its aliases there, and the addresses it wants ("" lets IPAM choose).
 */
public record EndpointRequest(String networkId, List<String> aliases, String ipv4, String ipv6, String mac) {}
