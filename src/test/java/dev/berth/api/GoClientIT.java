package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.BusyboxImage;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What moby's Go SDK sends (issue 32): one kept-alive connection for every request, its exact query
 * strings ({@code buildargs=null} for a nil map), {@code t=-1}, paths with a trailing slash.
 */
class GoClientIT extends ContainerTestBase {

    /** The Go client's request headers (client.go: User-Agent, JSON bodies). */
    private static Map<String, String> goHeaders(boolean json) {
        return json ? Map.of("User-Agent", "Go-http-client/1.1", "Content-Type", "application/json")
                : Map.of("User-Agent", "Go-http-client/1.1");
    }

    /** A build context of one Dockerfile. */
    private static byte[] dockerfileOnly(String dockerfile) throws Exception {
        ByteArrayOutputStream context = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = BusyboxImage.tar(context)) {
            BusyboxImage.file(tar, "Dockerfile", dockerfile.getBytes(StandardCharsets.UTF_8), 0644);
        }
        return context.toByteArray();
    }

    /** One request and its whole response on a connection that stays open. */
    private static RawHttp.Response exchange(RawHttp c, String method, String path, String json) throws Exception {
        c.sendRequest(method, path, goHeaders(json != null), json == null ? null : json.getBytes(StandardCharsets.UTF_8));
        RawHttp.Response head = c.readHead();
        return new RawHttp.Response(head.status(), head.reason(), head.headers(), c.readBody(head));
    }

    /**
     * A second start of an exec session (compose's watch makes one after each exec it attaches to): dockerd
     * answers a detached one with a 409 and an attached one, once upgraded, with the error on the stream.
     */
    @Test
    void aSecondStartOfAnExecSessionIsRefusedAsDockerdRefusesIt() throws Exception {
        ok("run", "-d", "--name", "twice", "busybox", "sleep", "300");
        RawHttp.Response created = go("POST", "/v1.41/containers/twice/exec", "{\"Cmd\":[\"sleep\",\"30\"]}");
        assertEquals(201, created.status(), created.bodyText());
        String id = Json.MAPPER.readTree(created.body()).path("Id").asText();
        assertEquals(200, go("POST", "/v1.41/exec/" + id + "/start", "{\"Detach\":true}").status());
        RawHttp.Response detached = go("POST", "/v1.41/exec/" + id + "/start", "{\"Detach\":true}");
        assertEquals(409, detached.status());
        assertEquals("Error: Exec command " + id + " is already running", message(detached));
        RawHttp.Response attached = go("POST", "/v1.41/exec/" + id + "/start", "{\"Detach\":false,\"Tty\":false}");
        assertEquals(200, attached.status(), attached.bodyText());
        byte[] body = attached.body();
        assertEquals(1, body[0], "one stdout frame");
        assertEquals("Error: Exec command " + id + " is already running\r\n", new String(body, 8, body.length - 8, StandardCharsets.UTF_8));
    }

    @Test
    void aKeptAliveConnectionIsAnsweredAfterDetachedExecStarts() throws Exception {
        ok("run", "-d", "--name", "box", "busybox", "sleep", "300");
        long since = System.currentTimeMillis() / 1000 - 1;
        java.util.List<String> detached = new java.util.ArrayList<>();
        try (RawHttp c = new RawHttp(daemon.socket())) {
            for (int i = 0; i < 2; i++) {
                RawHttp.Response created = exchange(c, "POST", "/v1.41/containers/box/exec",
                        "{\"Cmd\":[\"touch\",\"/tmp/detached" + i + "\"],\"Detach\":true}");
                assertEquals(201, created.status(), created.bodyText());
                String id = Json.MAPPER.readTree(created.body()).path("Id").asText();
                detached.add(id);
                // ContainerExecStart: a plain POST without Upgrade, answered 200 with no body
                RawHttp.Response started = exchange(c, "POST", "/v1.41/exec/" + id + "/start", "{\"Detach\":true,\"Tty\":false}");
                assertEquals(200, started.status(), started.bodyText());
            }
            RawHttp.Response networks = exchange(c, "GET", "/v1.41/networks/", null);
            assertEquals(200, networks.status(), networks.bodyText());
            assertTrue(networks.bodyText().contains("\"Name\":\"bridge\""), networks.bodyText());
            RawHttp.Response list = exchange(c, "GET", "/containers/json/?all=1", null);
            assertEquals(200, list.status(), list.bodyText());
            assertTrue(list.bodyText().contains("\"/box\""), list.bodyText());
            RawHttp.Response unknown = exchange(c, "POST", "/v1.41/exec/foobar/start", "{\"Detach\":true}");
            assertEquals(404, unknown.status(), "a refused hijack route keeps the connection too");
            assertEquals(200, exchange(c, "GET", "/_ping", null).status());
        }
        for (int i = 0; i < 2; i++) {
            String file = "/tmp/detached" + i;
            for (int tries = 0; tries < 50 && docker.run("exec", "box", "test", "-e", file).exitCode() != 0; tries++) {
                Thread.sleep(100);
            }
            ok("exec", "box", "test", "-e", file);
        }
        // each detached exec's end is an event when it happens, though no client asked about the session
        String dies = "";
        for (int tries = 0; tries < 50 && !detached.stream().allMatch(dies::contains); tries++) {
            Thread.sleep(100);
            dies = RawHttp.request(daemon.socket(), "GET", "/events?since=" + since + "&until=" + (System.currentTimeMillis() / 1000 + 1)
                    + "&filters=%7B%22event%22%3A%5B%22exec_die%22%5D%7D", Map.of(), null).bodyText();
        }
        for (String id : detached) {
            assertTrue(dies.contains("\"execID\":\"" + id + "\""), id + " in " + dies);
        }
    }

    @Test
    void anEnvEntryWithoutAValueUnsetsTheVariable() throws Exception {
        // Go clients pass os.Environ-style lists through; a bare NAME is dockerd's "unset" (runc refuses it)
        RawHttp.Response created = RawHttp.request(daemon.socket(), "POST", "/v1.41/containers/create?name=bare",
                goHeaders(true), "{\"Image\":\"busybox\",\"Env\":[\"PATH\",\"A=1\",\"NOT_SET\"],\"Cmd\":[\"/bin/env\"]}"
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(201, created.status(), created.bodyText());
        ok("start", "-a", "bare");
        String env = ok("logs", "bare").stdout();
        assertTrue(env.contains("A=1\n"), env);
        assertFalse(env.contains("PATH=") || env.contains("NOT_SET"), env);
        assertEquals("[PATH A=1 NOT_SET]", ok("inspect", "-f", "{{.Config.Env}}", "bare").stdout().strip());
    }

    @Test
    void aBuildWithTheGoSdksNullMapsAndCopiesFromAStage() throws Exception {
        byte[] context = dockerfileOnly("""
                    FROM busybox AS one
                    RUN mkdir -p /out && echo one > /out/file
                    FROM busybox
                    WORKDIR /app
                    COPY --from=one /out/file .
                    COPY --from=one /out/. /contents/
                    COPY --from=one / /whole/
                    """);
        // ImageBuild's query for options without build args, labels or cache sources
        RawHttp.Response r = RawHttp.request(daemon.socket(), "POST",
                "/v1.41/build?buildargs=null&cachefrom=null&labels=null&networkmode=&rm=1&t=gobuild%3A1&version=1",
                Map.of("Content-Type", "application/x-tar", "User-Agent", "Go-http-client/1.1"), context);
        assertEquals(200, r.status(), r.bodyText());
        assertTrue(r.bodyText().contains("Successfully tagged gobuild:1"), r.bodyText());
        assertFalse(r.bodyText().contains("errorDetail"), r.bodyText());
        assertEquals("one\none\none\n", ok("run", "--rm", "gobuild:1", "cat", "/app/file", "/contents/file", "/whole/out/file").stdout());
        RawHttp.Response images = RawHttp.request(daemon.socket(), "GET", "/v1.41/images/json?filters=null", Map.of(), null);
        assertEquals(200, images.status(), images.bodyText());
        RawHttp.Response bad = RawHttp.request(daemon.socket(), "POST", "/v1.41/build?buildargs=%5B1%5D", Map.of(), new byte[0]);
        assertEquals(400, bad.status());
        assertEquals("invalid buildargs: expected a JSON object", Json.MAPPER.readTree(bad.body()).path("message").asText());
    }

    @Test
    void stopWithMinusOneWaitsForTheExitAndAKillEndsIt() throws Exception {
        ok("run", "-d", "--name", "stubborn", "busybox", "sh", "-c", "trap '' TERM; while true; do sleep 1; done");
        // on a thread of its own: the common pool (one worker on two cores) carries the CLI's stdio
        FutureTask<RawHttp.Response> stop = new FutureTask<>(
                () -> RawHttp.request(daemon.socket(), "POST", "/v1.41/containers/stubborn/stop?t=-1", Map.of(), null));
        Thread.ofPlatform().daemon().start(stop);
        Thread.sleep(3000);
        assertFalse(stop.isDone(), "a stop without a limit does not kill after a default timeout");
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "stubborn").stdout().strip());
        ok("kill", "stubborn");        // not held up by the stop waiting
        assertEquals(204, stop.get(20, TimeUnit.SECONDS).status());
        JsonNode state = Json.MAPPER.readTree(ok("inspect", "-f", "{{json .State}}", "stubborn").stdout());
        assertEquals("exited", state.path("Status").asText());
        assertEquals(137, state.path("ExitCode").asInt());
    }

    /** A request through the Go client's headers; the body is JSON when given. */
    private RawHttp.Response go(String method, String path, String json) throws Exception {
        return RawHttp.request(daemon.socket(), method, path, goHeaders(json != null), json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    private static String message(RawHttp.Response r) throws Exception {
        return Json.MAPPER.readTree(r.body()).path("message").asText();
    }

    @Test
    void theDefaultsDockerdGivesAContainer() throws Exception {
        // unprivileged ping and low ports in the container's own network namespace, unless the user says otherwise
        assertEquals("0\t2147483647\n0\n", ok("run", "--rm", "busybox", "cat", "/proc/sys/net/ipv4/ping_group_range",
                "/proc/sys/net/ipv4/ip_unprivileged_port_start").stdout());
        assertEquals("1024\n", ok("run", "--rm", "--sysctl", "net.ipv4.ip_unprivileged_port_start=1024", "busybox",
                "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start").stdout());
        String host = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).getFirst().strip();
        assertEquals(host + "\n", ok("run", "--rm", "--network", "host", "busybox", "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start").stdout(),
                "the host's own namespace is left alone");
        // IpcMode as dockerd fills it in (shareable for clients before 1.40); the masked and read-only paths shown and honoured
        assertEquals(201, go("POST", "/v1.41/containers/create?name=now", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}").status());
        assertEquals(201, go("POST", "/v1.39/containers/create?name=older", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}").status());
        assertEquals("private shareable", ok("inspect", "-f", "{{.HostConfig.IpcMode}}", "now").stdout().strip() + " "
                + ok("inspect", "-f", "{{.HostConfig.IpcMode}}", "older").stdout().strip());
        JsonNode hc = Json.MAPPER.readTree(ok("inspect", "-f", "{{json .HostConfig}}", "now").stdout());
        assertTrue(hc.path("MaskedPaths").toString().contains("\"/proc/kcore\""), hc.toString());
        assertTrue(hc.path("ReadonlyPaths").toString().contains("\"/proc/sys\""), hc.toString());
        String count = "grep -cE ' /proc/(sys|bus|fs|irq|sysrq-trigger|timer_list|keys|kcore|acpi|asound|scsi) ' /proc/self/mounts || true";
        assertTrue(Integer.parseInt(ok("run", "--rm", "busybox", "sh", "-c", count).stdout().strip()) > 0);
        assertEquals(201, go("POST", "/v1.41/containers/create?name=open", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\","
                + Json.MAPPER.writeValueAsString(count) + "],\"HostConfig\":{\"MaskedPaths\":[],\"ReadonlyPaths\":[]}}").status());
        assertEquals("0\n", ok("start", "-a", "open").stdout(), "empty lists: nothing masked or read-only");
        assertEquals("[][]", ok("inspect", "-f", "{{json .HostConfig.MaskedPaths}}{{json .HostConfig.ReadonlyPaths}}", "open").stdout().strip());
    }

    @Test
    void dockerdsValidationsAndMessages() throws Exception {
        ok("run", "-d", "--name", "box", "busybox", "sleep", "300");
        RawHttp.Response notDir = go("GET", "/v1.41/containers/box/archive?path=/etc/passwd/", null);
        assertEquals(400, notDir.status());
        assertTrue(message(notDir).endsWith("not a directory"), message(notDir));
        RawHttp.Response ambiguous = go("POST", "/v1.41/images/busybox/tag?repo=sha256&tag=sometag", null);
        assertEquals(400, ambiguous.status());
        assertEquals("refusing to create an ambiguous tag using digest algorithm as name", message(ambiguous));
        RawHttp.Response rename = go("POST", "/v1.41/containers/box/rename?name=box", null);
        assertEquals(400, rename.status());
        assertEquals("Renaming a container with the same name as its current name", message(rename));
        RawHttp.Response signal = go("POST", "/v1.41/containers/box/kill?signal=BOGUS", null);
        assertEquals(400, signal.status());
        assertEquals("Invalid signal: BOGUS", message(signal));
        RawHttp.Response link = go("POST", "/v1.41/containers/create", "{\"Image\":\"busybox\",\"HostConfig\":{\"Links\":[\"nosuch:db\"]}}");
        assertEquals(400, link.status());
        assertEquals("could not get container for nosuch: No such container: nosuch", message(link));
        // commit's ENV replaces a variable in its place
        ok("commit", "-c", "ENV PATH=/bin", "-c", "ENV NEW=1", "box", "committed:1");
        assertEquals("[\"PATH=/bin\",\"NEW=1\"]", ok("inspect", "-f", "{{json .Config.Env}}", "committed:1").stdout().strip());
        // a reference filter lists only the tags that match it
        ok("tag", "busybox", "busybox:two");
        ok("tag", "busybox", "other:9");
        JsonNode listed = Json.MAPPER.readTree(go("GET", "/v1.41/images/json?filters=%7B%22reference%22%3A%5B%22busybox%22%5D%7D", null).body());
        assertEquals(1, listed.size(), listed.toString());
        assertEquals("[\"busybox:latest\",\"busybox:two\"]", listed.get(0).path("RepoTags").toString());
    }

    @Test
    void badBodiesInGosWordsPlatformsAndOldUpdatesAsDockerdTakesThem() throws Exception {
        // exec start reads its body before it looks for the exec session, as dockerd does
        RawHttp.Response bad = go("POST", "/v1.41/exec/foobar/start", "{bad");
        assertEquals(400, bad.status());
        assertEquals("invalid JSON: invalid character 'b' looking for beginning of object key string", message(bad));
        RawHttp.Response trailing = go("POST", "/v1.41/containers/create", "{\"Image\":\"busybox\"} x");
        assertEquals(400, trailing.status());
        assertEquals("unexpected content after JSON", message(trailing));
        assertEquals("invalid JSON: got EOF while reading request body", message(go("POST", "/v1.41/containers/create", " ")));

        // platform on create, from API 1.41: the image must serve it
        String served = ok("inspect", "-f", "{{.Os}}/{{.Architecture}}", "busybox").stdout().strip();
        String other = served.equals("linux/arm64") ? "linux/amd64" : "linux/arm64";
        String create = "{\"Image\":\"busybox\"}";
        RawHttp.Response mismatch = go("POST", "/v1.41/containers/create?platform=" + other, create);
        assertEquals(404, mismatch.status());
        assertEquals("image with reference busybox was found but its platform (" + served
                + ") does not match the specified platform (" + other + ")", message(mismatch));
        assertEquals(201, go("POST", "/v1.41/containers/create?platform=" + served, create).status());
        assertEquals(201, go("POST", "/v1.40/containers/create?platform=" + other, create).status(), "not read before 1.41");
        RawHttp.Response unknown = go("POST", "/v1.41/containers/create?platform=foo", create);
        assertEquals(400, unknown.status());
        assertEquals("\"foo\": unknown operating system or architecture: invalid argument", message(unknown));
        byte[] context = dockerfileOnly("FROM busybox\n");
        RawHttp.Response unknownBuild = RawHttp.request(daemon.socket(), "POST", "/v1.41/build?platform=foo",
                Map.of("Content-Type", "application/x-tar"), context);
        assertEquals(400, unknownBuild.status());
        assertEquals("\"foo\": unknown operating system or architecture: invalid argument", message(unknownBuild));
        RawHttp.Response foreignBuild = RawHttp.request(daemon.socket(), "POST", "/v1.41/build?platform=" + other,
                Map.of("Content-Type", "application/x-tar"), context);
        assertEquals(400, foreignBuild.status());
        assertEquals("Berth builds for " + served + " only, not " + other, message(foreignBuild));

        // an update through API 1.39 has no PidsLimit: moby drops it
        ok("run", "-d", "--name", "old-client", "--pids-limit", "50", "busybox", "sleep", "300");
        assertEquals(200, go("POST", "/v1.39/containers/old-client/update", "{\"PidsLimit\":10,\"CpuShares\":512}").status());
        assertEquals("50 512", ok("inspect", "-f", "{{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}", "old-client").stdout().strip());
    }

    @Test
    void eachStageOfABuildHasItsAuxAndSiblingsTheirOwnConfig() throws Exception {
        byte[] context = dockerfileOnly("""
                    FROM busybox AS base
                    RUN echo base > /base
                    FROM base AS one
                    WORKDIR /one
                    FROM base AS two
                    ENV SIDE=two
                    """);
        String stream = RawHttp.request(daemon.socket(), "POST", "/v1.41/build?buildargs=null&labels=null&t=siblings%3A1&rm=1",
                Map.of("Content-Type", "application/x-tar", "User-Agent", "Go-http-client/1.1"), context).bodyText();
        assertEquals(4, stream.split("\"aux\"", -1).length, "one aux per stage: " + stream);
        String id = ok("inspect", "-f", "{{.Id}}", "siblings:1").stdout().strip();
        assertTrue(stream.strip().lines().filter(l -> l.contains("\"aux\"")).reduce((a, b) -> b).orElseThrow().contains(id),
                "the last aux is the image built: " + stream);
        assertEquals("[] [PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SIDE=two]",
                ok("inspect", "-f", "[{{.Config.WorkingDir}}] {{.Config.Env}}", "siblings:1").stdout().strip());
        // quiet: the aux messages, and the id as the only stream
        String quiet = RawHttp.request(daemon.socket(), "POST", "/v1.41/build?q=1&t=siblings%3A2",
                Map.of("Content-Type", "application/x-tar"), context).bodyText();
        assertEquals(List.of("{\"stream\":\"" + id + "\\n\"}"), quiet.lines().filter(l -> l.contains("stream")).toList(), quiet);
    }

    @Test
    void anUpdateSetsAndLiftsTheCpuQuotaAndThePidsLimit() throws Exception {
        ok("run", "-d", "--name", "limited", "--pids-limit", "50", "busybox", "sleep", "300");
        // the container's own cgroup files, v1 (this host) or v2; "max" and -1 both mean no limit
        String read = "q=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max);"
                + " p=$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max); echo \"$q $p\" | sed s/max/-1/g";
        for (var step : List.of(Map.entry("{\"CpuQuota\":15000}", "15000 50"), Map.entry("{\"CpuQuota\":-1,\"PidsLimit\":10}", "-1 10"),
                Map.entry("{\"PidsLimit\":0}", "-1 -1"), Map.entry("{\"CpuQuota\":25000,\"PidsLimit\":-1}", "25000 -1"))) {
            RawHttp.Response r = go("POST", "/v1.41/containers/limited/update", step.getKey());
            assertEquals(200, r.status(), r.bodyText());
            assertEquals(step.getValue() + "\n", ok("exec", "limited", "sh", "-c", read).stdout(), step.getKey());
        }
        assertEquals("25000 0", ok("inspect", "-f", "{{.HostConfig.CpuQuota}} {{.HostConfig.PidsLimit}}", "limited").stdout().strip());
        // any negative limit is moby's "unlimited", at create (no limit kept) and in an update
        assertEquals(200, go("POST", "/v1.41/containers/limited/update", "{\"PidsLimit\":-2}").status());
        assertEquals("-1\n", ok("exec", "limited", "sh", "-c", read + " | cut -d' ' -f2").stdout());
        String unlimited = ok("create", "--pids-limit", "-2", "busybox").stdout().strip();
        assertEquals("<nil>", ok("inspect", "-f", "{{.HostConfig.PidsLimit}}", unlimited).stdout().strip());
    }

    @Test
    void legacyLinksGiveNamesAndVariablesAndOutliveRenames() throws Exception {
        ok("run", "-d", "--name", "db", "-e", "SECRET=x", "--expose", "80", "--expose", "53/udp", "busybox", "sleep", "300");
        ok("create", "--name", "app", "--link", "db:my-db", "busybox", "env");
        String ip = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "db").stdout().strip();
        List<String> env = ok("start", "-a", "app").stdout().lines().filter(l -> l.startsWith("MY_DB_")).sorted().toList();
        assertEquals(List.of("MY_DB_ENV_SECRET=x", "MY_DB_NAME=/app/my-db", "MY_DB_PORT=tcp://" + ip + ":80",
                "MY_DB_PORT_53_UDP=udp://" + ip + ":53", "MY_DB_PORT_53_UDP_ADDR=" + ip, "MY_DB_PORT_53_UDP_PORT=53",
                "MY_DB_PORT_53_UDP_PROTO=udp", "MY_DB_PORT_80_TCP=tcp://" + ip + ":80", "MY_DB_PORT_80_TCP_ADDR=" + ip,
                "MY_DB_PORT_80_TCP_PORT=80", "MY_DB_PORT_80_TCP_PROTO=tcp"), env);
        ok("rename", "db", "store");
        assertEquals("[\"/store:/app/my-db\"]", ok("inspect", "-f", "{{json .HostConfig.Links}}", "app").stdout().strip());
        JsonNode listed = Json.MAPPER.readTree(go("GET", "/v1.41/containers/json?all=1&filters=%7B%22name%22%3A%5B%22store%22%5D%7D", null).body());
        assertEquals("[\"/store\",\"/app/my-db\"]", listed.get(0).path("Names").toString());
        JsonNode df = Json.MAPPER.readTree(go("GET", "/v1.41/system/df", null).body()).path("Containers");
        assertTrue(java.util.stream.StreamSupport.stream(df.spliterator(), false)
                .anyMatch(c -> c.path("Names").toString().equals("[\"/store\",\"/app/my-db\"]")), "system df lists as ps -a does: " + df);
        assertTrue(ok("start", "-a", "app").stdout().contains("MY_DB_NAME=/app/my-db\n"), "the link holds through the rename");
        ok("stop", "-t", "0", "store");
        DockerCli.Result down = docker.run("start", "app");
        assertTrue(down.exitCode() != 0 && down.stderr().contains("Cannot link to /store AS /app/my-db"), down.stderr());
        // docker rm --link: the link goes, both containers stay; its name is gone, and a second removal is a 404
        DockerCli.Result noParent = docker.run("rm", "--link", "store");
        assertTrue(noParent.stderr().contains("Conflict, cannot remove the default link name of the container"), noParent.stderr());
        assertEquals("app/my-db\n", ok("rm", "--link", "app/my-db").stdout());
        assertFalse(ok("inspect", "-f", "{{json .HostConfig.Links}}", "app").stdout().contains("my-db"));
        assertEquals("[\"/store\"]", Json.MAPPER.readTree(go("GET", "/v1.41/containers/json?all=1&filters=%7B%22name%22%3A%5B%22store%22%5D%7D",
                null).body()).get(0).path("Names").toString());
        assertEquals(404, go("DELETE", "/v1.41/containers/app/my-db?link=1", null).status());
        ok("start", "app");     // no link, nothing to fail on
    }
}
