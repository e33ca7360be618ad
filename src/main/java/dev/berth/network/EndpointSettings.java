package dev.berth.network;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * A container's endpoint settings for one network as a client sends them (Docker's {@code EndpointSettings}, in
 * {@code NetworkingConfig.EndpointsConfig} and {@code docker network connect}): what {@link EndpointRequest} is made
 * of once checked against the network.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EndpointSettings(@JsonProperty("Aliases") List<String> aliases, @JsonProperty("IPAMConfig") Ipam ipamConfig,
                               @JsonProperty("MacAddress") String macAddress, @JsonProperty("Links") List<String> links,
                               @JsonProperty("DriverOpts") Map<String, String> driverOpts) {

    public EndpointSettings {
        aliases = aliases == null ? List.of() : aliases.stream().filter(java.util.Objects::nonNull).toList();
        ipamConfig = ipamConfig == null ? new Ipam("", "", null) : ipamConfig;
        macAddress = macAddress == null ? "" : macAddress;
        links = links == null ? List.of() : links.stream().filter(java.util.Objects::nonNull).toList();
        driverOpts = driverOpts == null ? Map.of() : Map.copyOf(driverOpts);
    }

    public static EndpointSettings none() {
        return new EndpointSettings(null, null, null, null, null);
    }

    /** The addresses asked for ("" lets IPAM choose), and link-local ones the interface gets besides. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Ipam(@JsonProperty("IPv4Address") String ipv4, @JsonProperty("IPv6Address") String ipv6,
                       @JsonProperty("LinkLocalIPs") List<String> linkLocalIps) {
        public Ipam {
            ipv4 = ipv4 == null ? "" : ipv4;
            ipv6 = ipv6 == null ? "" : ipv6;
            linkLocalIps = linkLocalIps == null ? List.of() : linkLocalIps.stream().filter(java.util.Objects::nonNull).toList();
        }
    }
}
