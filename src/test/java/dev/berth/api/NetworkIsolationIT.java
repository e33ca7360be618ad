package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.DockerCli;
import dev.berth.testing.LoopbackResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a container on one network cannot reach (issue 25), each case the hostile one: another network's
 * containers by address (IPv4 and IPv6) or by name through that network's DNS server, unpublished ports from
 * a peer that routes container subnets through the host, the host's loopback through the gateway, the host
 * interfaces Berth did not make. Traffic goes only to 127.0.0.1, the daemon's namespaces and one namespace
 * the test makes; the DNS upstream is the test's own resolver on loopback.
 */
class NetworkIsolationIT extends ContainerTestBase {

    private static LoopbackResolver resolver;
    private static DatagramSocket forger;

    /**
     * A resolver on loopback that answers A queries with 10.1.2.3 — after first sending two forgeries that the
     * daemon must not relay: one with another ID from its own port, one with the right ID from another port.
     * Names starting "slow" get no answer at all.
     */
    @BeforeAll
    static void startResolver() throws Exception {
        forger = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        resolver = LoopbackResolver.start((query, client, socket) -> {
            if (new String(query, StandardCharsets.ISO_8859_1).contains("slow")) {
                return;
            }
            byte[] wrongId = LoopbackResolver.answer(query, 6);
            wrongId[1] ^= 0x5a;
            LoopbackResolver.send(socket, wrongId, client);
            LoopbackResolver.send(forger, LoopbackResolver.answer(query, 7), client);
            LoopbackResolver.send(socket, LoopbackResolver.answer(query, 3), client);
        });
    }

    @AfterAll
    static void stopResolver() throws Exception {
        resolver.close();
        forger.close();
    }

    @Override
    protected String[] daemonArgs() {
        return new String[] {"--dns-upstream", "127.0.0.1:" + resolver.port()};
    }

    /**
     * wget from a new container on {@code network}, bounded: a dropped connection fails after 3 s (a child of a
     * shell that does not exec it: as PID 1, wget would ignore the SIGTERM of timeout).
     */
    private DockerCli.Result fetch(String network, String url) throws Exception {
        return docker.run("run", "--rm", "--network", network, "busybox", "sh", "-c", "timeout 3 wget -q -O- " + url + "; exit $?");
    }

    private String inspect(String format, String container) throws Exception {
        return ok("inspect", "-f", format, container).stdout().strip();
    }

    @Test
    void networksDoNotReachEachOtherButAContainerOnBothReachesEither() throws Exception {
        ok("network", "create", "--subnet", "10.221.1.0/24", "--ipv6", "--subnet", "fd42:221:1::/64", "na");
        ok("network", "create", "--subnet", "10.221.2.0/24", "--ipv6", "--subnet", "fd42:221:2::/64", "nb");
        ok("network", "create", "--internal", "--subnet", "10.221.3.0/24", "sealed");
        String web = web("--name", "tb", "--network", "nb");
        String v4 = inspect("{{.NetworkSettings.Networks.nb.IPAddress}}", "tb");
        String v6 = inspect("{{.NetworkSettings.Networks.nb.GlobalIPv6Address}}", "tb");
        assertEquals(web + "\n", fetch("nb", "http://" + v4 + "/hostname").stdout(), "its own network reaches it");
        assertEquals(web + "\n", fetch("nb", "http://[" + v6 + "]/hostname").stdout(), "its own network reaches it over IPv6");

        assertNotEquals(0, fetch("na", "http://" + v4 + "/hostname").exitCode(), "another user network reached it");
        assertNotEquals(0, fetch("na", "http://[" + v6 + "]/hostname").exitCode(), "another user network reached it over IPv6");
        assertNotEquals(0, fetch("bridge", "http://" + v4 + "/hostname").exitCode(), "the default bridge reached it");
        assertNotEquals(0, fetch("sealed", "http://" + v4 + "/hostname").exitCode(), "an internal network reached it");

        // and the other way: a container on an internal network is not reachable from outside it either
        String inner = web("--name", "inner", "--network", "sealed");
        assertNotEquals(0, fetch("nb", "http://" + inspect("{{.NetworkSettings.Networks.sealed.IPAddress}}", "inner") + "/hostname").exitCode(),
                "an internal network's container was reached from another network");
        assertEquals(inner + "\n", fetch("sealed", "http://inner/hostname").stdout(), "an internal network's containers reach each other");

        // a container on both networks reaches either, by address and by name
        ok("run", "-d", "--name", "both", "--network", "na", "busybox", "sleep", "600");
        ok("network", "connect", "nb", "both");
        assertEquals(web + "\n", ok("exec", "both", "timeout", "3", "wget", "-q", "-O-", "http://" + v4 + "/hostname").stdout());
        assertEquals(web + "\n", ok("exec", "both", "timeout", "3", "wget", "-q", "-O-", "http://tb/hostname").stdout());
        ok("network", "disconnect", "nb", "both");
        assertNotEquals(0, docker.run("exec", "both", "timeout", "3", "wget", "-q", "-O-", "http://" + v4 + "/hostname").exitCode(),
                "still reached it after the disconnect");
    }

    @Test
    void dnsAnswersOnlyTheContainersOfItsNetworkAndRelaysOnlyTheUpstreamsAnswer() throws Exception {
        ok("network", "create", "--subnet", "10.222.1.0/24", "dna");
        ok("network", "create", "--subnet", "10.222.2.0/24", "dnb");
        ok("run", "-d", "--name", "secret", "--network", "dnb", "busybox", "sleep", "600");
        String secretIp = inspect("{{.NetworkSettings.Networks.dnb.IPAddress}}", "secret");
        String lookup = ok("run", "--rm", "--network", "dnb", "busybox", "nslookup", "secret").stdout();
        assertTrue(lookup.contains(secretIp), lookup);

        // a container of another network asking that network's server directly gets nothing
        DockerCli.Result across = docker.run("run", "--rm", "--network", "dna", "busybox", "timeout", "5", "nslookup", "secret", "10.222.2.1");
        assertFalse(across.stdout().contains(secretIp), "another network's server answered: " + across.stdout());
        assertNotEquals(0, across.exitCode(), across.stdout());
        // neither does the host (nor any peer that is not a container of the network): no names, no forwarding
        ok("run", "-d", "--name", "member", "--network", "dnb", "busybox", "sleep", "600");
        assertNull(query(new InetSocketAddress("10.222.2.1", 53), "secret"), "the host was answered");
        assertNull(query(new InetSocketAddress("10.222.2.1", 53), "elsewhere.example"), "the host was given a forwarder");

        // forwarded names: the forgeries (another ID; the right ID from another port) are not relayed
        String forwarded = ok("exec", "member", "nslookup", "elsewhere.example").stdout();
        assertTrue(forwarded.contains("10.1.2.3"), forwarded);
        assertFalse(forwarded.contains("10.1.2.6") || forwarded.contains("10.1.2.7"), "a forged answer was relayed: " + forwarded);

        // a flood of queries the upstream never answers holds a bounded number of the daemon's descriptors
        long pid = daemon.process().pid();
        int before = openFds(pid);
        ok("exec", "-d", "member", "sh", "-c", "for i in $(seq 400); do nslookup slow$i.example >/dev/null 2>&1 & done; wait");
        int most = before;
        for (int i = 0; i < 30; i++) {
            most = Math.max(most, openFds(pid));
            Thread.sleep(100);
        }
        assertTrue(most - before <= 160, "the daemon held " + (most - before) + " more descriptors under a DNS flood");
        // and names still resolve meanwhile
        assertTrue(ok("run", "--rm", "--network", "dnb", "busybox", "nslookup", "secret").stdout().contains(secretIp));
    }

    private static int openFds(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) s.count();
        }
    }

    /** One A query from the host; the answer's bytes, or null when none came within a second. */
    private static byte[] query(InetSocketAddress server, String name) throws IOException {
        java.io.ByteArrayOutputStream q = new java.io.ByteArrayOutputStream();
        q.writeBytes(new byte[] {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            q.write(label.length());
            q.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        q.writeBytes(new byte[] {0, 0, 1, 0, 1});
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(1000);
            s.send(new DatagramPacket(q.toByteArray(), q.size(), server));
            DatagramPacket answer = new DatagramPacket(new byte[512], 512);
            s.receive(answer);
            return java.util.Arrays.copyOf(answer.getData(), answer.getLength());
        } catch (SocketTimeoutException none) {
            return null;
        }
    }

    private static void sh(String... commands) throws Exception {
        for (String c : commands) {
            Process p = new ProcessBuilder("sh", "-c", c).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, c + ": " + out);
        }
    }

    @Test
    void aPeerRoutingContainerSubnetsThroughTheHostReachesOnlyPublishedPorts() throws Exception {
        ok("network", "create", "--subnet", "10.223.1.0/24", "exposed");
        int port = BerthDaemon.freePort();
        String web = web("--name", "svc", "--network", "exposed", "-p", port + ":80");
        String ip = inspect("{{.NetworkSettings.Networks.exposed.IPAddress}}", "svc");
        // a peer of the test's own behind a veth pair, routing the containers' subnet and the default bridge's via the host
        String ns = "berth-test-router";
        String bridgeSubnet = ok("network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", "bridge").stdout().strip();
        web("--name", "plain");
        String plainIp = inspect("{{.NetworkSettings.IPAddress}}", "plain");
        try {
            sh("ip netns add " + ns, "ip link add btroute0 type veth peer name btroute1", "ip link set btroute1 netns " + ns,
                    "ip addr add 10.252.0.1/24 dev btroute0", "ip link set btroute0 up",
                    "ip -n " + ns + " addr add 10.252.0.2/24 dev btroute1", "ip -n " + ns + " link set btroute1 up",
                    "ip -n " + ns + " link set lo up", "ip -n " + ns + " route add 10.223.1.0/24 via 10.252.0.1",
                    "ip -n " + ns + " route add " + bridgeSubnet + " via 10.252.0.1");
            assertNotEquals(0, peerFetch(ns, "http://" + ip + "/hostname").exitValue(), "an unpublished port was reached from a peer");
            assertNotEquals(0, peerFetch(ns, "http://" + plainIp + "/hostname").exitValue(), "the default bridge was reached from a peer");
            Process published = peerFetch(ns, "http://10.252.0.1:" + port + "/hostname");
            assertEquals(0, published.exitValue(), "the published port did not serve the peer");
            assertEquals(web + "\n", new String(published.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            sh("ip netns delete " + ns + " 2>/dev/null; ip link delete btroute0 2>/dev/null; true");
        }
    }

    private static Process peerFetch(String ns, String url) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "/bin/busybox", "timeout", "3", "wget", "-q", "-O-", url).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return p;
    }

    @Test
    void aContainerCannotReachTheHostsLoopbackThroughItsGatewayWhileLoopbackPublishingWorks() throws Exception {
        ok("network", "create", "--subnet", "10.224.1.0/24", "--gateway", "10.224.1.1", "rl");
        int port = BerthDaemon.freePort();
        String web = web("--name", "pub", "--network", "rl", "-p", "127.0.0.1:" + port + ":80");
        // portmap's SNAT for 127.0.0.1 needs route_localnet on the bridge, which is what would let the frames in
        String bridge = "br-" + ok("network", "inspect", "-f", "{{.Id}}", "rl").stdout().strip().substring(0, 12);
        assertEquals("1", Files.readString(Path.of("/proc/sys/net/ipv4/conf", bridge, "route_localnet")).strip());
        assertEquals(web + "\n", httpGet("127.0.0.1", port));

        // a UDP service on the host's loopback only; the container routes 127.0.0.1 to its gateway and sends to it
        try (DatagramSocket loopbackOnly = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            loopbackOnly.setSoTimeout(200);
            String attack = "ip route del table local local 127.0.0.1 dev lo; ip route del table local local 127.0.0.0/8 dev lo;"
                    + " ip route add 127.0.0.1/32 via 10.224.1.1 dev eth0 || exit 9;"
                    + " for i in 1 2 3; do timeout 1 nslookup probe 127.0.0.1:" + loopbackOnly.getLocalPort() + "; done; exit 0";
            DockerCli.Result r = docker.run("run", "--rm", "--network", "rl", "--cap-add", "NET_ADMIN",
                    "--sysctl", "net.ipv4.conf.eth0.route_localnet=1", "busybox", "sh", "-c", attack);
            assertEquals(0, r.exitCode(), "the container could not set up its route: " + r.stdout() + r.stderr());
            DatagramPacket got = new DatagramPacket(new byte[512], 512);
            try {
                loopbackOnly.receive(got);
                throw new AssertionError("a container reached the host's 127.0.0.1 from " + got.getSocketAddress());
            } catch (SocketTimeoutException expected) {
                // dropped
            }
        }
        assertEquals(web + "\n", httpGet("127.0.0.1", port), "publishing on 127.0.0.1 still serves the host");
    }

    private static String httpGet(String host, int port) throws Exception {
        try (var client = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build()) {
            return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + host + ":" + port + "/hostname"))
                    .timeout(java.time.Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    @Test
    void aBridgeNameOfAnInterfaceBerthDidNotMakeIsRefusedAndTheInterfaceKept() throws Exception {
        sh("ip link add btprobe type bridge");
        try {
            DockerCli.Result r = docker.run("network", "create", "-o", "com.docker.network.bridge.name=btprobe", "np");
            assertNotEquals(0, r.exitCode());
            assertTrue(r.stderr().contains("btprobe") && r.stderr().contains("existing interface"), r.stderr());
            // a network whose bridge name an interface took after the network was made is not joined, and the interface stays
            ok("network", "create", "-o", "com.docker.network.bridge.name=btlate", "late");
            sh("ip link add btlate type bridge");
            try {
                DockerCli.Result join = docker.run("run", "--rm", "--network", "late", "busybox", "true");
                assertNotEquals(0, join.exitCode());
                assertTrue(join.stderr().contains("was not made by Berth"), join.stderr());
                ok("run", "--rm", "busybox", "true");
                Thread.sleep(2500);     // past the idle grace after which Berth removes its idle bridges
                assertTrue(Files.exists(Path.of("/sys/class/net/btlate")), "Berth deleted an interface it did not make");
                ok("network", "rm", "late");
                assertTrue(Files.exists(Path.of("/sys/class/net/btlate")), "Berth deleted an interface it did not make");
            } finally {
                sh("ip link delete btlate");
            }
            assertTrue(Files.exists(Path.of("/sys/class/net/btprobe")));
            // a name no interface has works, and its bridge goes with the network
            ok("network", "create", "-o", "com.docker.network.bridge.name=btmine", "mine");
            ok("run", "--rm", "--network", "mine", "busybox", "true");
            assertTrue(Files.exists(Path.of("/sys/class/net/btmine")));
            ok("network", "rm", "mine");
            assertFalse(Files.exists(Path.of("/sys/class/net/btmine")));
        } finally {
            sh("ip link delete btprobe");
        }
    }

    @Test
    void aStoppedContainersUnreadableNetworkRecordLeavesNothingOnTheHost() throws Exception {
        ok("network", "create", "--subnet", "10.225.1.0/24", "dmg");
        web("--name", "gone", "--network", "dmg", "-p", BerthDaemon.freePort() + ":80");
        String id = inspect("{{.Id}}", "gone");
        String pid = inspect("{{.State.Pid}}", "gone");
        daemon.process().destroyForcibly();
        assertTrue(daemon.process().waitFor(10, TimeUnit.SECONDS));
        // while the daemon is away the container dies, and its sandbox record is damaged
        new ProcessBuilder("kill", "-9", pid).start().waitFor();
        for (int i = 0; i < 100 && Files.exists(Path.of("/proc", pid)); i++) {
            Thread.sleep(50);
        }
        Files.writeString(daemon.dir().resolve("root/networks/sandboxes/" + id + ".json"), "{\"containerId\": \"" + id);
        daemon = BerthDaemon.startIn(daemon.dir(), daemonArgs());
        docker = DockerCli.against(daemon);
        assertEquals("exited", inspect("{{.State.Status}}", "gone"));
        Path netns = Path.of("/run/netns/berth-" + id.substring(0, 16));
        for (int i = 0; i < 100 && Files.exists(netns); i++) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(netns), "the namespace of a container whose record was damaged was left");
        Process save = new ProcessBuilder("iptables-save", "-t", "nat").start();
        assertFalse(new String(save.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains(id), "its port rules were left");
        // and it starts again on the same network (the lease was freed); the check after each test finds nothing left
        ok("start", "gone");
        ok("rm", "-f", "gone");
    }
}
