package dev.berth.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.errors.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure parts of networking: prefixes, port specs, the CNI chain, subnets and their checks. */
class NetworkLogicTest {

    @TempDir
    Path dir;

    @Test
    void prefixesContainOverlapAndCount() {
        Cidr net = Cidr.parse("172.18.0.0/16");
        assertTrue(net.contains(Cidr.address("172.18.255.7", "")));
        assertFalse(net.contains(Cidr.address("172.19.0.1", "")));
        assertTrue(net.overlaps(Cidr.parse("172.18.5.0/24")));
        assertFalse(net.overlaps(Cidr.parse("fd00::/64")));
        assertEquals("172.18.0.1", net.host(1).getHostAddress());
        assertEquals("172.18.255.255", net.last().getHostAddress());
        assertEquals("10.0.0.0/8", Cidr.parse("10.1.2.3/8").network().toString());
        assertEquals("fd42:0:0:0:0:0:0:1", Cidr.parse("fd42::/64").host(1).getHostAddress());
        assertThrows(EngineException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(EngineException.class, () -> Cidr.parse("example.com/8"));
    }

    @Test
    void portSpecsInDockersForms() {
        Map<String, List<PortMapping.Binding>> bindings = Map.of("80/tcp", List.of(new PortMapping.Binding("127.0.0.1", "8080")),
                "53/udp", List.of(new PortMapping.Binding("", "")),
                "81", List.of(new PortMapping.Binding(null, "9000-9010")));
        List<PortMapping> ports = PortMapping.of(bindings, true, List.of("80/tcp", "443/tcp"));
        assertTrue(ports.contains(new PortMapping("tcp", 80, "127.0.0.1", 8080, 8080)));
        assertTrue(ports.contains(new PortMapping("udp", 53, "", 0, 0)));
        assertTrue(ports.contains(new PortMapping("tcp", 81, "", 9000, 9010)));
        assertTrue(ports.contains(new PortMapping("tcp", 443, "", 0, 0)), "-P publishes the exposed port not bound otherwise");
        assertEquals(4, ports.size());
        for (String bad : List.of("80/xyz", "0/tcp", "70000")) {
            assertThrows(EngineException.class, () -> PortMapping.of(Map.of(bad, List.of(new PortMapping.Binding("", "1"))), false, List.of()), bad);
        }
        assertThrows(EngineException.class, () -> PortMapping.of(Map.of("80", List.of(new PortMapping.Binding("", "10-5"))), false, List.of()));
    }

    @Test
    void theChainOfABridgeNetwork() {
        Network n = new Network("id", "shop", "bridge", "2026-01-01T00:00:00Z", false, false,
                List.of(new Network.Pool("10.5.0.0/16", "10.5.0.1", "10.5.7.0/24")), Map.of(), Map.of(), 0, "br-x");
        List<ObjectNode> plugins = BridgeChain.plugins(n, 1400, Path.of("/run/ipam"), new EndpointRequest("id", List.of(), "10.5.7.9", "", "02:42:0a:05:07:09", List.of(), List.of(), java.util.Map.of()),
                List.of(new PublishedPort("tcp", 80, "127.0.0.1", 8080)));
        assertEquals(List.of("bridge", "portmap"), plugins.stream().map(p -> p.get("type").asText()).toList());
        ObjectNode bridge = plugins.getFirst();
        assertEquals("br-x", bridge.get("bridge").asText());
        assertFalse(bridge.get("ipMasq").asBoolean(), "NAT is the network's rule, not each container's");
        assertEquals(1400, bridge.get("mtu").asInt());
        assertEquals("10.5.7.0", bridge.at("/ipam/ranges/0/0/rangeStart").asText());
        assertEquals("10.5.7.255", bridge.at("/ipam/ranges/0/0/rangeEnd").asText());
        assertEquals("0.0.0.0/0", bridge.at("/ipam/routes/0/dst").asText());
        assertEquals("10.5.7.9", bridge.at("/runtimeConfig/ips/0").asText());
        assertEquals("02:42:0a:05:07:09", bridge.at("/runtimeConfig/mac").asText());
        assertEquals(8080, plugins.get(1).at("/runtimeConfig/portMappings/0/hostPort").asInt());
        assertEquals("127.0.0.1", plugins.get(1).at("/runtimeConfig/portMappings/0/hostIP").asText());

        Network internal = new Network("id", "in", "bridge", "2026-01-01T00:00:00Z", true, false,
                List.of(new Network.Pool("10.6.0.0/24", "10.6.0.1", "")), Map.of(), Map.of(), 0, "br-y");
        ObjectNode b = BridgeChain.plugins(internal, 1500, Path.of("/x"), EndpointRequest.plain("id"), List.of()).getFirst();

        assertEquals(0, b.at("/ipam/routes").size(), "nor a way out");
    }

    @Test
    void subnetsAreChosenAndCheckedAsDockerdDoes() throws Exception {
        NetworkStore store = new NetworkStore(dir);
        assertEquals(List.of("bridge", "host", "none"), store.list().stream().map(Network::name).toList());
        String bridgeSubnet = store.get("bridge").pools().getFirst().subnet();
        Network a = store.create(new NetworkCreate("a", "", false, false, List.of(), Map.of(), Map.of()));
        assertFalse(Cidr.parse(a.pools().getFirst().subnet()).overlaps(Cidr.parse(bridgeSubnet)));
        assertEquals(Cidr.parse(a.pools().getFirst().subnet()).host(1).getHostAddress(), a.pools().getFirst().gateway());
        EngineException overlap = assertThrows(EngineException.class, () -> store.create(new NetworkCreate("b", "bridge", false, false,
                List.of(new Network.Pool(a.pools().getFirst().subnet(), "", "")), Map.of(), Map.of())));
        assertEquals(EngineException.Kind.FORBIDDEN, overlap.kind());
        assertEquals(EngineException.Kind.CONFLICT, assertThrows(EngineException.class,
                () -> store.create(new NetworkCreate("a", "", false, false, List.of(), Map.of(), Map.of()))).kind());
        assertThrows(EngineException.class, () -> store.create(new NetworkCreate("c", "", false, false,
                List.of(new Network.Pool("10.9.0.0/24", "10.8.0.1", "")), Map.of(), Map.of())), "a gateway outside the subnet");
        assertThrows(EngineException.class, () -> store.create(new NetworkCreate("d", "", false, false,
                List.of(new Network.Pool("10.9.0.1/24", "", "")), Map.of(), Map.of())), "host bits set");
        assertEquals(EngineException.Kind.NOT_IMPLEMENTED, assertThrows(EngineException.class,
                () -> store.create(new NetworkCreate("e", "macvlan", false, false, List.of(), Map.of(), Map.of()))).kind());
        assertThrows(EngineException.class, () -> store.create(new NetworkCreate("f", "", false, false, List.of(), Map.of(),
                Map.of(NetworkStore.MTU_OPTION, "9x"))));
        // names that look like id prefixes are names: a create never reads them as a (maybe ambiguous) prefix
        for (String name : List.of("b", "c", "d", "e", "f", "0", "1", "2", "3")) {
            assertEquals(name, store.create(new NetworkCreate(name, "", false, false, List.of(), Map.of(), Map.of())).name());
        }
        // persisted: a second store on the same root has them, with the same ids
        NetworkStore again = new NetworkStore(dir);
        assertEquals(a, again.get("a"));
        assertEquals(a, again.get(a.id().substring(0, 5)));
    }

    @Test
    void anOrphansPortRulesAreFoundByItsIdAlone() {
        String id = "2dc93e812eed169409c5df836089bfebd8fae74c0405828264424402090ec2e4";
        String save = String.join("\n",
                "*nat",
                ":CNI-DN-c9c7e826e9ab0b92fc3bf - [0:0]",
                "-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment \"dnat name: \\\"keep\\\" id: \\\"" + id
                        + "\\\"\" -m multiport --dports 33265 -j CNI-DN-c9c7e826e9ab0b92fc3bf",
                "-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment \"dnat name: \\\"other\\\" id: \\\"" + "b".repeat(64)
                        + "\\\"\" -m multiport --dports 80 -j CNI-DN-000",
                "COMMIT");
        String script = OrphanSandbox.dnatRemoval(save, id);
        assertTrue(script.contains("-D CNI-HOSTPORT-DNAT -p tcp -m comment"), script);
        assertTrue(script.contains("-F CNI-DN-c9c7e826e9ab0b92fc3bf\n-X CNI-DN-c9c7e826e9ab0b92fc3bf\n"), script);
        assertFalse(script.contains("CNI-DN-000"), "another container's rules were taken: " + script);
        assertEquals("", OrphanSandbox.dnatRemoval(save, "c".repeat(64)));
    }
}
