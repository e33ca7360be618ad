package dev.berth.network;

import java.util.List;
import java.util.Map;

/**
 * How a container asks to be on a network ({@code NetworkingConfig.EndpointsConfig}, {@code docker network
 * connect}): its aliases there, the addresses it wants ("" lets IPAM choose), the link-local addresses its
 * interface gets besides, its links there ({@code name:alias}: the alias resolves to that container, for it
 * only) and the driver options, kept as given.
 */
public record EndpointRequest(String networkId, List<String> aliases, String ipv4, String ipv6, String mac,
                              List<String> linkLocalIps, List<String> links, Map<String, String> driverOpts) {

    public EndpointRequest {
        // records saved before these were kept have none
        linkLocalIps = linkLocalIps == null ? List.of() : List.copyOf(linkLocalIps);
        links = links == null ? List.of() : List.copyOf(links);
        driverOpts = driverOpts == null ? Map.of() : Map.copyOf(driverOpts);
    }

    /** On a network as it comes: no aliases, addresses or links of its own. */
    public static EndpointRequest plain(String networkId) {
        return new EndpointRequest(networkId, List.of(), "", "", "", List.of(), List.of(), Map.of());
    }
}
