package dev.berth.container;

import dev.berth.container.config.ContainerCreate;
import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;
import dev.berth.network.Cidr;
import dev.berth.network.ContainerNetworks;
import dev.berth.network.EndpointRequest;
import dev.berth.network.EndpointSettings;
import dev.berth.network.Network;
import dev.berth.network.PortMapping;

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
    static Map<String, EndpointRequest> endpoints(ContainerCreate request, ContainerNetworks networks, ContainerIndex index) {
        HostConfig hostConfig = request.hostConfig();
        String mode = hostConfig.networkMode().isEmpty() ? "default" : hostConfig.networkMode();
        Map<String, EndpointSettings> configs = request.endpoints();
        Map<String, EndpointRequest> out = new LinkedHashMap<>();
        if (mode.equals("host") || mode.equals("none") || mode.startsWith("container:")) {
            if (mode.startsWith("container:")) {
                try {
                    index.get(mode.substring("container:".length()));
                } catch (EngineException e) {
                    throw EngineException.invalid("invalid NetworkMode " + mode + ": " + e.getMessage());
                }
            }
            if (!configs.isEmpty() && !configs.containsKey(mode)) {
                throw EngineException.invalid("conflicting options: the network mode " + mode + " joins no other network");
            }
            if (!hostConfig.links().isEmpty() || (mode.startsWith("container:") && !ports(hostConfig, request.config().exposedPorts().keySet()).isEmpty())) {
                throw EngineException.invalid("conflicting options: port publishing and links need the container's own network namespace (network mode " + mode + ")");
            }
            return out;
        }
        String first = mode.equals("default") ? Network.DEFAULT_BRIDGE : mode;
        out.put(first, null);
        configs.keySet().forEach(name -> out.putIfAbsent(name.equals("default") ? Network.DEFAULT_BRIDGE : name, null));
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
            EndpointSettings ep = configs.containsKey(name) ? configs.get(name)
                    : configs.getOrDefault(name.equals(Network.DEFAULT_BRIDGE) ? "default" : n.id(), EndpointSettings.none());
            checked.put(n.name(), endpoint(n, ep == null ? EndpointSettings.none() : ep, name.equals(first) ? request.config().macAddress() : ""));
        }
        return checked;
    }

    /** One network's endpoint settings, checked against the network as dockerd checks them. */
    static EndpointRequest endpoint(Network n, EndpointSettings ep, String legacyMac) {
        List<String> aliases = ep.aliases();
        String ipv4 = ep.ipamConfig().ipv4();
        String ipv6 = ep.ipamConfig().ipv6();
        String mac = ep.macAddress();
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
        for (String ip : ep.ipamConfig().linkLocalIps()) {
            Cidr.address(ip, "invalid link-local IP address: " + ip);
        }
        List<String> links = new java.util.ArrayList<>();
        for (String l : ep.links()) {
            String[] nameAlias = link(l);
            links.add(nameAlias[0] + ":" + nameAlias[1]);
        }
        return new EndpointRequest(n.id(), List.copyOf(aliases), ipv4, ipv6, mac, ep.ipamConfig().linkLocalIps(), links, ep.driverOpts());
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
    static List<String> checkPorts(HostConfig hostConfig, java.util.Collection<String> exposed) {
        List<PortMapping> ports = ports(hostConfig, exposed);
        if (!ports.isEmpty() && hostConfig.networkMode().equals("host")) {
            return List.of("Published ports are discarded when using host network mode");
        }
        return List.of();
    }

    /** What the container publishes ({@code exposed}: its ExposedPorts, its image's and its own). */
    static List<PortMapping> ports(HostConfig hostConfig, java.util.Collection<String> exposed) {
        return PortMapping.of(hostConfig.portBindings(), hostConfig.publishAllPorts(), exposed);
    }
}
