package dev.berth.network;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.host.EngineJson;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CNI chain that puts a container on a bridge network: {@code bridge} with {@code host-local} IPAM, and
 * {@code portmap} for published ports (with SNAT, so that 127.0.0.1 reaches them too). Outbound NAT and the
 * FORWARD rules are the network's, not each container's ({@link BridgeRules}): the plugin's ipMasq and the
 * firewall plugin would rewrite the tables on every start and stop.
 */
final class BridgeChain {

    private BridgeChain() {}

    /**
     * @param mtu     the bridge's MTU
     * @param ipamDir where host-local keeps its leases (in the runroot: a reboot frees them with everything else)
     */
    static List<ObjectNode> plugins(Network n, int mtu, Path ipamDir, EndpointRequest ep, List<PublishedPort> ports) {
        List<ObjectNode> out = new ArrayList<>();
        ObjectNode bridge = EngineJson.MAPPER.createObjectNode();
        bridge.put("type", "bridge").put("bridge", n.bridge()).put("isGateway", true).put("ipMasq", false)
                .put("hairpinMode", true).put("mtu", mtu);
        ObjectNode ipam = bridge.putObject("ipam");
        ipam.put("type", "host-local").put("dataDir", ipamDir.toString());
        ArrayNode ranges = ipam.putArray("ranges");
        ArrayNode routes = ipam.putArray("routes");
        for (Network.Pool p : n.pools()) {
            Cidr subnet = Cidr.parse(p.subnet());
            ObjectNode range = ranges.addArray().addObject();
            range.put("subnet", p.subnet()).put("gateway", p.gateway());
            if (!p.ipRange().isEmpty()) {
                Cidr r = Cidr.parse(p.ipRange());
                // the subnet's own address and IPv4's broadcast address are never a container's
                range.put("rangeStart", (r.host(0).equals(subnet.network().address()) ? r.host(1) : r.host(0)).getHostAddress());
                range.put("rangeEnd", (subnet.ipv4() && r.last().equals(subnet.last()) ? Cidr.step(r.last(), -1) : r.last()).getHostAddress());
            }
            if (!n.internal()) {
                routes.addObject().put("dst", subnet.ipv4() ? "0.0.0.0/0" : "::/0");
            }
        }
        ObjectNode runtime = bridge.putObject("runtimeConfig");
        ArrayNode ips = runtime.putArray("ips");
        if (!ep.ipv4().isEmpty()) {
            ips.add(ep.ipv4());
        }
        if (!ep.ipv6().isEmpty() && n.ipv6()) {
            ips.add(ep.ipv6());
        }
        if (!ep.mac().isEmpty()) {
            runtime.put("mac", ep.mac());
        }
        out.add(bridge);
        if (!ports.isEmpty()) {
            ObjectNode portmap = EngineJson.MAPPER.createObjectNode();
            portmap.put("type", "portmap").put("snat", true);
            ArrayNode mappings = portmap.putObject("runtimeConfig").putArray("portMappings");
            for (PublishedPort p : ports) {
                ObjectNode m = mappings.addObject().put("hostPort", p.hostPort()).put("containerPort", p.containerPort())
                        .put("protocol", p.protocol());
                if (!p.hostIp().isEmpty()) {
                    m.put("hostIP", p.hostIp());
                }
            }
            out.add(portmap);
        }
        return out;
    }
}
