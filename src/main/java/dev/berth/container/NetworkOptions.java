package dev.berth.container;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;
import dev.berth.network.ContainerNetworks;
import dev.berth.network.EndpointRequest;
import dev.berth.network.Network;
import dev.berth.network.PortMapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A create request's networking checked as dockerd checks it: the network mode, the networks it joins
 * with their aliases and addresses ({@code NetworkingConfig.EndpointsConfig}), published ports and links.
 */
final class NetworkOptions {

    private NetworkOptions() {}

    /** The networks the container joins, by name; empty for host, none and container: modes. */
    static Map<String, EndpointRequest> endpoints(JsonNode request, JsonNode hostConfig, ContainerNetworks networks, ContainerRegistry registry) {
        String mode = hostConfig.path("NetworkMode").asText("default");
        JsonNode configs = request.path("NetworkingConfig").path("EndpointsConfig");
        Map<String, EndpointRequest> out = new LinkedHashMap<>();
        if (mode.equals("host") || mode.equals("none") || mode.startsWith("container:")) {
            if (mode.startsWith("container:")) {
                try {
                    registry.get(mode.substring("container:".length()));
                } catch (EngineException e) {
                    throw EngineException.invalid("invalid NetworkMode " + mode + ": " + e.getMessage());
                }
            }
            if (configs.size() > 0 && configs.fieldNames().hasNext() && !configs.has(mode)) {
                throw EngineException.invalid("conflicting options: the network mode " + mode + " joins no other network");
            }
            if (hostConfig.path("Links").size() > 0 || (mode.startsWith("container:") && PortMapping.of(hostConfig, request.path("ExposedPorts")).size() > 0)) {
                throw EngineException.invalid("conflicting options: port publishing and links need the container's own network namespace (network mode " + mode + ")");
            }
            return out;
        }
        String first = mode.equals("default") ? Network.DEFAULT_BRIDGE : mode;
        out.put(first, null);
        configs.fieldNames().forEachRemaining(name -> out.putIfAbsent(name.equals("default") ? Network.DEFAULT_BRIDGE : name, null));
        Map<String, EndpointRequest> checked = new LinkedHashMap<>();
        for (String name : out.keySet()) {
            Network n;
            try {
                n = networks.network(name);
            } catch (EngineException e) {
                // a 400, not a 404: the docker CLI takes a 404 from create for a missing image and pulls
                throw EngineException.invalid(e.getMessage());
            }
            if (n.driver().equals("host") || n.driver().equals("null")) {
                throw EngineException.invalid("container cannot be connected to the " + n.name() + " network and to others");
            }
            JsonNode ep = configs.has(name) ? configs.get(name) : name.equals(Network.DEFAULT_BRIDGE) ? configs.path("default") : configs.path(n.id());
            checked.put(n.name(), endpoint(n, ep, name.equals(first) ? request.path("MacAddress").asText("") : ""));
        }
        for (JsonNode link : hostConfig.path("Links")) {
            link(link.asText());
        }
        return checked;
    }

    /** One network's endpoint settings, checked against the network as dockerd checks them. */
    static EndpointRequest endpoint(Network n, JsonNode ep, String legacyMac) {
        List<String> aliases = new ArrayList<>();
        ep.path("Aliases").forEach(a -> aliases.add(a.asText()));
        String ipv4 = ep.path("IPAMConfig").path("IPv4Address").asText("");
        String ipv6 = ep.path("IPAMConfig").path("IPv6Address").asText("");
        String mac = ep.path("MacAddress").asText("");
        if (mac.isEmpty()) {
            mac = legacyMac;
        }
        if (!n.servesDns() && !aliases.isEmpty()) {
            throw EngineException.invalid("network-scoped alias is supported only for containers in user defined networks");
        }
        if (n.name().equals(Network.DEFAULT_BRIDGE) && !(ipv4 + ipv6).isEmpty()) {
            throw EngineException.invalid("user specified IP address is supported only when connecting to networks with user configured subnets");
        }
        if (!mac.isEmpty() && !mac.matches("(?i)([0-9a-f]{2}:){5}[0-9a-f]{2}")) {
            throw EngineException.invalid("invalid MAC address: " + mac);
        }
        return new EndpointRequest(n.id(), List.copyOf(aliases), ipv4, ipv6, mac);
    }

    /** A link, {@code name:alias} or dockerd's {@code /name:/container/alias}: [name, alias]. */
    static String[] link(String text) {
        String[] parts = text.split(":");
        if (parts.length > 2 || parts[0].replace("/", "").isEmpty()) {
            throw EngineException.invalid("invalid link format: " + text + " (name or name:alias)");
        }
        String name = parts[0].replaceFirst("^/", "");
        String alias = parts.length == 2 ? parts[1].substring(parts[1].lastIndexOf('/') + 1) : name;
        return new String[] {name, alias};
    }

    /** The ports to publish, checked; a warning where the network mode discards them, as dockerd warns. */
    static List<String> checkPorts(JsonNode hostConfig, JsonNode exposed) {
        List<PortMapping> ports = PortMapping.of(hostConfig, exposed);
        String mode = hostConfig.path("NetworkMode").asText("default");
        if (!ports.isEmpty() && mode.equals("host")) {
            return List.of("Published ports are discarded when using host network mode");
        }
        return List.of();
    }
}
