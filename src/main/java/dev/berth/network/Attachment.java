package dev.berth.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A container's interface on a network, as the CNI chain made it.
 *
 * @param names   what the network's DNS server answers with its addresses: the container's name, aliases, short id, hostname
 * @param ipv4    address and prefix ({@code 172.18.0.2/16}), "" when none
 * @param plugins the chain's configurations as given to ADD, for the DEL that undoes it
 * @param result  the chain's result, the {@code prevResult} of that DEL
 * @param links   its links on this network, {@code name:alias}: the alias resolves to that container, for it only
 */
public record Attachment(String networkId, String networkName, String endpointId, String ifname, List<String> aliases,
                         List<String> names, String ipv4, String gateway, String ipv6, String gateway6, String mac,
                         List<ObjectNode> plugins, JsonNode result, List<String> links) {

    public Attachment {
        links = links == null ? List.of() : List.copyOf(links);     // none in records saved before links were kept
    }

    public String ipv4Address() {
        return ipv4.isEmpty() ? "" : ipv4.substring(0, ipv4.indexOf('/'));
    }

    public int ipv4Prefix() {
        return ipv4.isEmpty() ? 0 : Integer.parseInt(ipv4.substring(ipv4.indexOf('/') + 1));
    }

    public String ipv6Address() {
        return ipv6.isEmpty() ? "" : ipv6.substring(0, ipv6.indexOf('/'));
    }

    public int ipv6Prefix() {
        return ipv6.isEmpty() ? 0 : Integer.parseInt(ipv6.substring(ipv6.indexOf('/') + 1));
    }

    /** This pending attachment as the chain made it: the addresses and MAC its result gives the interface. */
    Attachment made(JsonNode result, String ifname) {
        int index = -1;
        String mac = "";
        JsonNode interfaces = result.path("interfaces");
        for (int i = 0; i < interfaces.size(); i++) {
            if (interfaces.get(i).path("name").asText().equals(ifname) && interfaces.get(i).has("sandbox")) {
                index = i;
                mac = interfaces.get(i).path("mac").asText("");
            }
        }
        String v4 = "";
        String gw4 = "";
        String v6 = "";
        String gw6 = "";
        for (JsonNode ip : result.path("ips")) {
            if (index >= 0 && ip.has("interface") && ip.get("interface").asInt() != index) {
                continue;
            }
            String address = ip.path("address").asText();
            if (address.contains(":")) {
                v6 = address;
                gw6 = ip.path("gateway").asText("");
            } else {
                v4 = address;
                gw4 = ip.path("gateway").asText("");
            }
        }
        return new Attachment(networkId, networkName, endpointId, ifname, aliases, names,
                v4, gw4, v6, gw6, mac, plugins, result, links);
    }
}
