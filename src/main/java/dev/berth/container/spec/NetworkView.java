package dev.berth.container.spec;

import java.nio.file.Path;
import java.util.List;

/**
 * A container's network as its spec and /etc files need it.
 *
 * @param netns        the network namespace to join: null for a new private one (loopback only), "" for the host's
 * @param address      its address, for its hostname's line in /etc/hosts ("" when it has none)
 * @param nameservers  the resolvers of its resolv.conf when its network serves DNS (the gateway), else empty (the host's)
 * @param hostsEntries lines for /etc/hosts: its links ({@code ip\tname})
 * @param hostGateway  the host's address as the container reaches it, for {@code --add-host NAME:host-gateway}
 * @param filesFrom    with {@code --network container:}, the directory of the container whose hostname, hosts
 *                     and resolv.conf it shares; else null
 * @param linkEnv      the variables its legacy links give its process (under its own Env)
 */
public record NetworkView(String netns, String address, List<String> nameservers, List<String> hostsEntries, String hostGateway, Path filesFrom,
                   List<String> linkEnv) {}
