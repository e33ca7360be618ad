package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testing.BerthDaemon;
import dev.berth.testing.DockerCli;
import dev.berth.testing.LoopbackResolver;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Networks with the docker CLI (issue 14): the default bridge, user networks with DNS, published ports,
 * connect and disconnect, shared namespaces, the network API and its errors. Test traffic goes to 127.0.0.1
 * and to the namespaces the daemon made; DNS forwarding goes to a resolver of the test's own on loopback.
 */
class NetworkIT extends ContainerTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static LoopbackResolver resolver;

    /** A resolver on loopback that answers A queries for any name with 10.1.2.3, and others with no record. */
    @BeforeAll
    static void startResolver() throws Exception {
        resolver = LoopbackResolver.start((query, client, socket) -> LoopbackResolver.send(socket, LoopbackResolver.answer(query, 3), client));
    }

    @AfterAll
    static void stopResolver() throws Exception {
        resolver.close();
    }

    @Override
    protected String[] daemonArgs() {
        return new String[] {"--dns-upstream", "127.0.0.1:" + resolver.port()};
    }

    private static String get(int port, String path) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            return r.body();
        }
    }

    private void assertFetched(String hostname, String network, String url) throws Exception {
        DockerCli.Result r = fetch(network, url);
        assertEquals(hostname + "\n", r.stdout(), "wget " + url + " on " + network + ": " + r.stderr() + "\n" + daemon.log());
    }

    private DockerCli.Result fetch(String network, String url) throws Exception {
        // bounded by timeout(1): Debian's busybox-static wget crashes with its own -T
        return docker.run("run", "--rm", "--network", network, "busybox", "timeout", "10", "wget", "-q", "-O-", url);
    }

    @Test
    void userNetworkReachesContainersByNameAndAliasAndPublishesOnLoopback() throws Exception {
        ok("network", "create", "--label", "team=a", "appnet");
        int port = BerthDaemon.freePort();
        String web = web("--name", "web", "--network", "appnet", "--network-alias", "www", "-p", "127.0.0.1:" + port + ":80");
        assertFetched(web, "appnet", "http://web/hostname");
        assertFetched(web, "appnet", "http://www/hostname");
        assertEquals(web + "\n", get(port, "/hostname"));
        assertEquals("80/tcp -> 127.0.0.1:" + port, ok("port", "web").stdout().strip());
        assertTrue(ok("ps", "--format", "{{.Ports}}").stdout().contains("127.0.0.1:" + port + "->80/tcp"));

        JsonNode net = JSON.readTree(ok("network", "inspect", "appnet").stdout()).get(0);
        String subnet = net.at("/IPAM/Config/0/Subnet").asText();
        JsonNode member = net.at("/Containers").elements().next();
        assertEquals("web", member.get("Name").asText());
        String ip = ok("inspect", "-f", "{{.NetworkSettings.Networks.appnet.IPAddress}}", "web").stdout().strip();
        assertEquals(ip + "/" + subnet.split("/")[1], member.get("IPv4Address").asText());
        assertEquals(net.get("Id").asText(), ok("inspect", "-f", "{{.NetworkSettings.Networks.appnet.NetworkID}}", "web").stdout().strip());
        assertEquals(net.at("/IPAM/Config/0/Gateway").asText(), ok("inspect", "-f", "{{.NetworkSettings.Networks.appnet.Gateway}}", "web").stdout().strip());
        assertTrue(ok("inspect", "-f", "{{json .NetworkSettings.Networks.appnet.Aliases}}", "web").stdout().contains("www"));

        // the bridge's MTU follows the host's default route, so large transfers fit the host's link
        String mtu = ok("exec", "web", "cat", "/sys/class/net/eth0/mtu").stdout().strip();
        assertEquals(hostMtu(), mtu);
        // traffic shows in docker stats
        assertNotEquals("0B / 0B", ok("stats", "--no-stream", "--format", "{{.NetIO}}", "web").stdout().strip());

        // names nobody on the network has go to the upstream resolver (the test's, on loopback)
        String lookup = docker.run("run", "--rm", "--network", "appnet", "busybox", "nslookup", "elsewhere.example").stdout();
        assertTrue(lookup.contains("10.1.2.3"), lookup);

        assertEquals("appnet", ok("network", "ls", "--filter", "label=team=a", "--format", "{{.Name}}").stdout().strip());
        DockerCli.Result inUse = docker.run("network", "rm", "appnet");
        assertNotEquals(0, inUse.exitCode());
        assertTrue(inUse.stderr().contains("has active endpoints"), inUse.stderr());
        assertEquals(409, RawHttp.request(daemon.socket(), "DELETE", "/networks/appnet", Map.of(), null).status());
        assertEquals(403, RawHttp.request(daemon.socket(), "DELETE", "/networks/bridge", Map.of(), null).status());
        ok("rm", "-f", "web");
        ok("network", "rm", "appnet");
        assertTrue(docker.run("network", "inspect", "appnet").stderr().contains("network appnet not found"));
    }

    private static String hostMtu() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/net/route")).subList(1, Files.readAllLines(Path.of("/proc/net/route")).size())) {
            String[] f = line.strip().split("\\s+");
            if (f[1].equals("00000000") && f[7].equals("00000000")) {
                return Files.readString(Path.of("/sys/class/net", f[0], "mtu")).strip();
            }
        }
        return "1500";
    }

    @Test
    void publishAllPicksFreePortsReachableFromTheHostAndFromOtherContainers() throws Exception {
        String web = web("--name", "pub", "-P", "--expose", "80", "--expose", "81/udp");
        String mapping = ok("port", "pub", "80/tcp").stdout().strip().lines().findFirst().orElseThrow();
        int port = Integer.parseInt(mapping.substring(mapping.lastIndexOf(':') + 1));
        assertTrue(mapping.startsWith("0.0.0.0:"), mapping);
        assertTrue(ok("port", "pub", "81/udp").stdout().strip().startsWith("0.0.0.0:"));
        assertEquals(web + "\n", get(port, "/hostname"));
        // from another container on the default bridge, through the host's address on it
        String gateway = ok("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", "bridge").stdout().strip();
        assertFetched(web, "bridge", "http://" + gateway + ":" + port + "/hostname");
        // the default bridge resolves no names, as dockerd's; the container's own address is in its /etc/hosts
        String ip = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "pub").stdout().strip();
        assertTrue(ok("exec", "pub", "cat", "/etc/hosts").stdout().contains(ip + "\t" + web));
        // the port is held while the container runs: nothing else can take it
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            assertThrowsBind(s, port);
        }
    }

    private static void assertThrowsBind(ServerSocket s, int port) {
        try {
            s.bind(new InetSocketAddress("0.0.0.0", port));
            throw new AssertionError("bound a port a container publishes: " + port);
        } catch (IOException expected) {
            assertTrue(expected.getMessage().contains("in use"), expected.getMessage());
        }
    }

    @Test
    void aPortInUseFailsTheStartNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.setReuseAddress(true);
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            DockerCli.Result r = docker.run("run", "--rm", "-p", "127.0.0.1:" + port + ":80", "busybox", "true");
            assertNotEquals(0, r.exitCode());
            assertTrue(r.stderr().contains("127.0.0.1:" + port + ": bind: address already in use"), r.stderr());
        }
        int port = BerthDaemon.freePort();
        web("--name", "first", "-p", port + ":80");
        DockerCli.Result second = docker.run("run", "-d", "--name", "second", "-p", port + ":80", "busybox", "true");
        assertTrue(second.stderr().contains("Bind for 0.0.0.0:" + port + " failed: port is already allocated"), second.stderr());
        // as with dockerd, a container whose start failed stays created
        assertEquals("created 128", ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "second").stdout().strip());
    }

    @Test
    void connectAndDisconnectTakeEffectOnARunningContainer() throws Exception {
        ok("network", "create", "--subnet", "10.213.0.0/24", "--gateway", "10.213.0.1", "side");
        String web = web("--name", "svc");
        assertNotEquals(0, fetch("side", "http://svc/hostname").exitCode(), "reachable before it was connected");
        ok("network", "connect", "--alias", "api", "--ip", "10.213.0.50", "side", "svc");
        assertEquals("10.213.0.50", ok("inspect", "-f", "{{.NetworkSettings.Networks.side.IPAddress}}", "svc").stdout().strip());
        assertFetched(web, "side", "http://api/hostname");
        assertFetched(web, "side", "http://10.213.0.50/hostname");
        ok("network", "disconnect", "side", "svc");
        assertNotEquals(0, fetch("side", "http://svc/hostname").exitCode(), "reachable after it was disconnected");
        assertEquals("<no value>", ok("inspect", "-f", "{{.NetworkSettings.Networks.side}}", "svc").stdout().strip());
        // a connected container that is stopped joins again when it starts
        ok("network", "connect", "side", "svc");
        ok("restart", "-t", "1", "svc");
        assertFetched(web, "side", "http://svc/hostname");
    }

    @Test
    void containerNetworkModeSharesLocalhostAndLinksWriteHosts() throws Exception {
        String web = web("--name", "base");
        assertEquals(web + "\n", docker.run("run", "--rm", "--network", "container:base", "busybox",
                "wget", "-q", "-O-", "http://127.0.0.1/hostname").stdout());
        String ip = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "base").stdout().strip();
        String hosts = ok("run", "--rm", "--link", "base:db", "--add-host", "gw:host-gateway", "busybox", "cat", "/etc/hosts").stdout();
        assertTrue(hosts.contains(ip + "\tdb "), hosts);
        String gateway = ok("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", "bridge").stdout().strip();
        assertTrue(hosts.contains(gateway + "\tgw"), hosts);
        assertEquals("", ok("run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net | grep -v lo || true").stdout());
    }

    @Test
    void macAddressAndHostnameAreWhatOtherContainersSee() throws Exception {
        ok("network", "create", "lan");
        assertEquals("02:42:ac:11:00:99\n", ok("run", "--rm", "--network", "lan", "--mac-address", "02:42:ac:11:00:99", "busybox",
                "cat", "/sys/class/net/eth0/address").stdout());
        web("--name", "named", "--hostname", "myhost", "--network", "lan");
        assertEquals("myhost", ok("exec", "named", "hostname").stdout().strip());
        assertFetched("myhost", "lan", "http://myhost/hostname");
    }

    @Test
    void networkOptionsShapeTheBridge() throws Exception {
        ok("network", "create", "--internal", "-o", "com.docker.network.driver.mtu=1300", "--subnet", "10.214.0.0/16",
                "--ip-range", "10.214.7.0/24", "inner");
        DockerCli.Result r = ok("run", "--rm", "--network", "inner", "busybox", "sh", "-c",
                "cat /sys/class/net/eth0/mtu; ip route; ip -4 -o addr show eth0");
        assertTrue(r.stdout().startsWith("1300\n"), r.stdout());
        assertTrue(!r.stdout().contains("default"), "an internal network has no way out: " + r.stdout());
        assertTrue(r.stdout().contains("inet 10.214.7."), r.stdout());
        ok("network", "create", "--ipv6", "--subnet", "fd42:1:2:3::/64", "dual");
        DockerCli.Result v6 = ok("run", "--rm", "--network", "dual", "busybox", "ip", "-6", "-o", "addr", "show", "eth0");
        assertTrue(v6.stdout().contains("fd42:1:2:3:"), v6.stdout());
        assertEquals("[dual, inner]", ok("network", "ls", "--filter", "type=custom", "--format", "{{.Name}}").stdout().lines().sorted().toList().toString());
        assertEquals("dual\ninner", ok("network", "prune", "-f").stdout().strip().lines().filter(l -> !l.startsWith("Deleted")).sorted()
                .reduce((a, b) -> a + "\n" + b).orElse(""));
    }

    private static void sh(String... commands) throws Exception {
        for (String c : commands) {
            Process p = new ProcessBuilder("sh", "-c", c).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, c + ": " + out);
        }
    }

    @Test
    void outboundTrafficIsMasqueradedAndAnInternalNetworkHasNoWayOut() throws Exception {
        // a host of the test's own: a namespace behind a veth pair with no route back to the containers' subnets,
        // serving a CGI script that prints the address a request came from
        String ns = "berth-test-peer";
        Path site = Files.createDirectories(daemon.dir().resolve("peer/cgi-bin"));
        Files.writeString(site.resolve("addr"), "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho \"$REMOTE_ADDR\"\n");
        site.resolve("addr").toFile().setExecutable(true);
        Process httpd = null;
        try {
            sh("ip netns add " + ns, "ip link add btpeer0 type veth peer name btpeer1", "ip link set btpeer1 netns " + ns,
                    "ip addr add 10.251.0.1/24 dev btpeer0", "ip link set btpeer0 up",
                    "ip -n " + ns + " addr add 10.251.0.2/24 dev btpeer1", "ip -n " + ns + " link set btpeer1 up",
                    "ip -n " + ns + " link set lo up");
            httpd = new ProcessBuilder("ip", "netns", "exec", ns, "/bin/busybox", "httpd", "-f", "-p", "10.251.0.2:8000",
                    "-h", site.getParent().toString()).redirectErrorStream(true).start();
            DockerCli.Result r = null;
            for (int i = 0; i < 50; i++) {
                r = fetch("bridge", "http://10.251.0.2:8000/cgi-bin/addr");
                if (r.exitCode() == 0) {
                    break;
                }
                Thread.sleep(100);
            }
            // the reply could only find its way back to the host's own address: the container's was masqueraded
            assertEquals("10.251.0.1\n", r.stdout(), r.stderr());
            ok("network", "create", "--internal", "sealed");
            assertNotEquals(0, fetch("sealed", "http://10.251.0.2:8000/cgi-bin/addr").exitCode(), "an internal network reached out");
        } finally {
            if (httpd != null) {
                httpd.destroyForcibly().waitFor();
            }
            sh("ip netns delete " + ns + " 2>/dev/null; ip link delete btpeer0 2>/dev/null; true");
        }
    }

    @Test
    void badInputAnswersWithTheStatusAndMessageOfDockerd() throws Exception {
        ok("network", "create", "--subnet", "10.215.0.0/16", "one");
        DockerCli.Result overlap = docker.run("network", "create", "--subnet", "10.215.5.0/24", "two");
        assertTrue(overlap.stderr().contains("Pool overlaps with other one on this address space"), overlap.stderr());
        assertTrue(docker.run("network", "create", "one").stderr().contains("network with name one already exists"));
        assertTrue(docker.run("network", "rm", "bridge").stderr().contains("bridge is a pre-defined network and cannot be removed"));
        assertTrue(docker.run("run", "--rm", "--network", "nowhere", "busybox", "true").stderr().contains("network nowhere not found"));
        assertTrue(docker.run("run", "--rm", "--network", "one", "--ip", "10.9.9.9", "busybox", "true").stderr()
                .contains("no configured subnet or ip-range contain the IP address 10.9.9.9"));
        // docker inspect falls through to the network routes: a name that is no network is not found there
        assertTrue(docker.run("inspect", "--type", "network", "nothing-by-this-name").stderr().contains("network nothing-by-this-name not found"));

        // the raw API: status codes as dockerd's
        Path sock = daemon.socket();
        assertEquals(403, RawHttp.request(sock, "POST", "/networks/create", Map.of("Content-Type", "application/json"),
                "{\"Name\":\"three\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.215.0.0/24\"}]}}".getBytes(StandardCharsets.UTF_8)).status());
        assertEquals(400, RawHttp.request(sock, "POST", "/networks/create", Map.of("Content-Type", "application/json"),
                "{\"Name\":\"four\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.216.0.0/33\"}]}}".getBytes(StandardCharsets.UTF_8)).status());
        assertEquals(400, RawHttp.request(sock, "POST", "/networks/create", Map.of("Content-Type", "application/json"),
                "{\"Name\":5}".getBytes(StandardCharsets.UTF_8)).status());
        assertEquals(404, RawHttp.request(sock, "GET", "/networks/nope", Map.of(), null).status());
        assertEquals(409, RawHttp.request(sock, "POST", "/networks/create", Map.of("Content-Type", "application/json"),
                "{\"Name\":\"one\"}".getBytes(StandardCharsets.UTF_8)).status());
        RawHttp.Response badPort = RawHttp.request(sock, "POST", "/containers/create", Map.of("Content-Type", "application/json"),
                "{\"Image\":\"busybox\",\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"99999\"}]}}}".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, badPort.status());
        RawHttp.Response alias = RawHttp.request(sock, "POST", "/containers/create", Map.of("Content-Type", "application/json"),
                "{\"Image\":\"busybox\",\"NetworkingConfig\":{\"EndpointsConfig\":{\"bridge\":{\"Aliases\":[\"x\"]}}}}".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, alias.status());
        assertTrue(new String(alias.body(), StandardCharsets.UTF_8).contains("network-scoped alias is supported only for containers in user defined networks"));
        assertTrue(new String(badPort.body(), StandardCharsets.UTF_8).contains("invalid host port"));
    }

    /** What docker-py's network tests need (issue 26): endpoint links, link-local addresses, driver options, auxiliary addresses. */
    @Test
    void endpointLinksLinkLocalAddressesDriverOptionsAndAuxiliaryAddresses() throws Exception {
        ok("network", "create", "--subnet", "10.217.0.0/29", "--aux-address", "router=10.217.0.2", "--aux-address", "printer=10.217.0.3",
                "--ipam-opt", "com.example.pool=kept", "aux");
        assertEquals("{\"printer\":\"10.217.0.3\",\"router\":\"10.217.0.2\"} {\"com.example.pool\":\"kept\"}", ok("network", "inspect", "-f",
                "{{json (index .IPAM.Config 0).AuxiliaryAddresses}} {{json .IPAM.Options}}", "aux").stdout().strip());
        ok("run", "-d", "--name", "client", "--network", "aux", "busybox", "sleep", "300");
        assertEquals("10.217.0.4", ok("inspect", "-f", "{{.NetworkSettings.Networks.aux.IPAddress}}", "client").stdout().strip(),
                "the auxiliary addresses are never a container's");
        assertTrue(docker.run("run", "--rm", "--network", "aux", "--ip", "10.217.0.2", "busybox", "true").exitCode() != 0);

        // a link on the network: its alias resolves to the linked container, for this container only
        ok("network", "disconnect", "aux", "client");
        ok("network", "connect", "--link", "upstream:bar", "--link-local-ip", "169.254.8.8", "--driver-opt", "com.example.setting=on",
                "aux", "client");
        assertEquals("[\"upstream:bar\"] [\"169.254.8.8\"] {\"com.example.setting\":\"on\"}", ok("inspect", "-f",
                "{{json .NetworkSettings.Networks.aux.Links}} {{json .NetworkSettings.Networks.aux.IPAMConfig.LinkLocalIPs}} "
                        + "{{json .NetworkSettings.Networks.aux.DriverOpts}}", "client").stdout().strip());
        assertTrue(ok("exec", "client", "ip", "addr", "show", "eth0").stdout().contains("inet 169.254.8.8/16"), "the link-local address is on");
        ok("run", "-d", "--name", "upstream", "--network", "aux", "busybox", "sleep", "300");
        String upstream = ok("inspect", "-f", "{{.NetworkSettings.Networks.aux.IPAddress}}", "upstream").stdout().strip();
        String resolved = ok("exec", "client", "nslookup", "bar").stdout();
        assertTrue(resolved.contains("Address: " + upstream), resolved);
        ok("run", "-d", "--name", "other", "--network", "aux", "busybox", "sleep", "300");
        DockerCli.Result elsewhere = docker.run("exec", "other", "nslookup", "bar");
        assertFalse(elsewhere.stdout().contains("Address: " + upstream), "another container has no such link: " + elsewhere.stdout());
    }

    @Test
    void aDaemonKilledAndRestartedKeepsAddressesNamesAndPorts() throws Exception {
        ok("network", "create", "keep");
        int port = BerthDaemon.freePort();
        String web = web("--name", "kept", "--network", "keep", "-p", "127.0.0.1:" + port + ":80");
        String ip = ok("inspect", "-f", "{{.NetworkSettings.Networks.keep.IPAddress}}", "kept").stdout().strip();
        daemon.process().destroyForcibly();
        assertTrue(daemon.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(web + "\n", get(port, "/hostname"), "the container serves on while the daemon is away");
        daemon = BerthDaemon.startIn(daemon.dir(), daemonArgs());
        docker = DockerCli.against(daemon);
        assertEquals(ip, ok("inspect", "-f", "{{.NetworkSettings.Networks.keep.IPAddress}}", "kept").stdout().strip());
        assertFetched(web, "keep", "http://kept/hostname");
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            assertThrowsBind(s, port);
        }
        // a container that exits while the daemon is away leaves nothing behind either (checked after each test)
        String pid = ok("inspect", "-f", "{{.State.Pid}}", "kept").stdout().strip();
        daemon.process().destroyForcibly();
        assertTrue(daemon.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        new ProcessBuilder("kill", "-9", pid).start().waitFor();
        for (int i = 0; i < 100 && Files.exists(Path.of("/proc", pid)); i++) {
            Thread.sleep(50);
        }
        daemon = BerthDaemon.startIn(daemon.dir(), daemonArgs());
        docker = DockerCli.against(daemon);
        assertEquals("exited", ok("inspect", "-f", "{{.State.Status}}", "kept").stdout().strip());
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));     // free again
        }
    }
}
