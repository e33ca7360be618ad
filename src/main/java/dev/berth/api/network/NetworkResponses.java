package dev.berth.api.network;

import dev.berth.container.NetworkMembers;
import dev.berth.network.Attachment;
import dev.berth.network.Network;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** Docker's shape of a network (inspect and list entries). */
final class NetworkResponses {

    private NetworkResponses() {}

    /** @param endpoints the running containers on it and their interfaces (empty in lists, as dockerd's) */
    static Map<String, Object> inspect(Network n, Map<String, Attachment> endpoints, NetworkMembers containers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", n.name());
        m.put("Id", n.id());
        m.put("Created", n.created());
        m.put("Scope", "local");
        m.put("Driver", n.driver());
        m.put("EnableIPv4", true);
        m.put("EnableIPv6", n.ipv6());
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("Driver", "default");
        ipam.put("Options", n.ipamOptions().isEmpty() ? null : n.ipamOptions());
        ipam.put("Config", Stream.concat(n.pools().stream(), n.dormantPools().stream()).map(p -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("Subnet", p.subnet());
            if (!p.ipRange().isEmpty()) {
                c.put("IPRange", p.ipRange());
            }
            c.put("Gateway", p.gateway());
            if (!p.auxAddresses().isEmpty()) {
                c.put("AuxiliaryAddresses", p.auxAddresses());
            }
            return c;
        }).toList());
        m.put("IPAM", ipam);
        m.put("Internal", n.internal());
        m.put("Attachable", false);
        m.put("Ingress", false);
        m.put("ConfigFrom", Map.of("Network", ""));
        m.put("ConfigOnly", false);
        Map<String, Object> members = new LinkedHashMap<>();
        endpoints.forEach((id, a) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("Name", containers.memberName(id));
            e.put("EndpointID", a.endpointId());
            e.put("MacAddress", a.mac());
            e.put("IPv4Address", a.ipv4());
            e.put("IPv6Address", a.ipv6());
            members.put(id, e);
        });
        m.put("Containers", members);
        m.put("Options", n.options());     // what the user set, as dockerd: a chosen bridge name is not an option
        m.put("Labels", n.labels());
        return m;
    }
}
