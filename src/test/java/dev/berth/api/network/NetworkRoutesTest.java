package dev.berth.api.network;

import dev.berth.api.RouteHarness;
import dev.berth.container.NetworkMembers;
import dev.berth.errors.EngineException;
import dev.berth.network.Attachment;
import dev.berth.network.EndpointSettings;
import dev.berth.network.Network;
import dev.berth.network.NetworkCreate;
import dev.berth.network.Networks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The network routes over fake backends: what they decode, the one call they make, what they answer. */
class NetworkRoutesTest {

    private static final String ID = "a".repeat(64);
    private static final String MEMBER = "c".repeat(64);

    private final List<String> calls = new ArrayList<>();

    private final Networks networks = new Networks() {
        private final Network net = new Network(ID, "front", "bridge", "2026-12-07T00:00:00Z", false, false,
                List.of(new Network.Pool("172.30.0.0/16", "172.30.0.1", "", Map.of())), Map.of("tier", "web"), Map.of(), 0, "br-x");

        @Override
        public List<Network> list() {
            return List.of(net);
        }

        @Override
        public Network network(String ref) {
            if (ref.equals("front") || ID.startsWith(ref)) {
                return net;
            }
            throw EngineException.notFound("network " + ref + " not found");
        }

        @Override
        public Network create(NetworkCreate request) {
            calls.add("create " + request.name() + " " + request.pools() + " internal=" + request.internal() + " " + request.ipamOptions());
            return net;
        }

        @Override
        public Map<String, Attachment> endpoints(String networkId) {
            return Map.of(MEMBER, new Attachment(ID, "front", "e".repeat(64), "eth0", List.of(), List.of(), "172.30.0.2/16", "172.30.0.1",
                    "", "", "02:42:ac:1e:00:02", List.of(), null, List.of()));
        }

        @Override
        public void remove(String ref) {
            if (ref.equals("bridge")) {
                throw EngineException.forbidden("bridge is a pre-defined network and cannot be removed");
            }
            calls.add("remove " + ref);
        }

        @Override
        public List<String> prune(Predicate<Network> which) {
            return list().stream().filter(which).map(Network::name).toList();
        }
    };

    private final NetworkMembers members = new NetworkMembers() {
        @Override
        public void connect(String containerRef, String networkRef, EndpointSettings endpointConfig) {
            calls.add("connect " + containerRef + " " + networkRef + " aliases=" + endpointConfig.aliases());
        }

        @Override
        public void disconnect(String containerRef, String networkRef) {
            calls.add("disconnect " + containerRef + " " + networkRef);
        }

        @Override
        public String memberName(String containerId) {
            return containerId.equals(MEMBER) ? "web" : "";
        }
    };

    private final RouteHarness api = RouteHarness.serve(new NetworkRoutes(networks, members));

    @AfterEach
    void close() throws Exception {
        api.close();
    }

    @Test
    void inspectShowsTheMembersByTheirNames() throws Exception {
        RouteHarness.Reply r = api.get("/v1.41/networks/front");
        assertEquals(200, r.status(), r.body());
        assertEquals("front", r.json().path("Name").asText());
        assertEquals("web", r.json().path("Containers").path(MEMBER).path("Name").asText(), r.body());
        assertEquals("172.30.0.2/16", r.json().path("Containers").path(MEMBER).path("IPv4Address").asText(), r.body());
        assertEquals(404, api.get("/networks/back").status());
    }

    @Test
    void createDecodesIpamAndRefusesWhatIsNotImplemented() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/networks/create",
                "{\"Name\":\"front\",\"Internal\":true,\"IPAM\":{\"Config\":[{\"Subnet\":\"172.30.0.0/16\"}],\"Options\":{\"o\":\"1\"}}}");
        assertEquals(201, r.status(), r.body());
        assertEquals(ID, r.json().path("Id").asText());
        assertEquals(List.of("create front [Pool[subnet=172.30.0.0/16, gateway=, ipRange=, auxAddresses={}]] internal=true {o=1}"), calls);
        RouteHarness.Reply ipam = api.send("POST", "/networks/create", "{\"Name\":\"x\",\"IPAM\":{\"Driver\":\"dhcp\"}}");
        assertEquals(501, ipam.status(), ipam.body());
        assertTrue(ipam.message().contains("IPAM driver dhcp"), ipam.message());
        assertEquals(1, calls.size(), "nothing made for a refused request");
    }

    @Test
    void connectNeedsAContainerAndPassesTheEndpointConfig() throws Exception {
        RouteHarness.Reply none = api.send("POST", "/networks/front/connect", "{}");
        assertEquals(400, none.status(), none.body());
        assertEquals("no container given (Container)", none.message());
        assertEquals(200, api.send("POST", "/networks/front/connect",
                "{\"Container\":\"web\",\"EndpointConfig\":{\"Aliases\":[\"www\"]}}").status());
        assertEquals(200, api.send("POST", "/networks/front/disconnect", "{\"Container\":\"web\"}").status());
        assertEquals(List.of("connect web front aliases=[www]", "disconnect web front"), calls);
    }

    @Test
    void removeAnswers204OrTheBackendsRefusal() throws Exception {
        assertEquals(204, api.send("DELETE", "/networks/front", null).status());
        RouteHarness.Reply predefined = api.send("DELETE", "/networks/bridge", null);
        assertEquals(403, predefined.status());
        assertEquals("bridge is a pre-defined network and cannot be removed", predefined.message());
        assertEquals(List.of("remove front"), calls);
    }
}
