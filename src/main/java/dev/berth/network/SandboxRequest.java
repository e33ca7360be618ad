package dev.berth.network;

import java.util.List;
import java.util.Map;

/**
 * What a container needs of the network when it starts.
 *
 * @param endpoints the networks it joins, by name, in order (the first gets eth0 and the published ports)
 * @param dns       its own resolvers ({@code --dns}): its network's DNS server forwards to them
 */
public record SandboxRequest(String containerId, String containerName, String hostname, Map<String, EndpointRequest> endpoints,
                             List<PortMapping> ports, List<String> dns) {}
