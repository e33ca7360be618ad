package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Events (issue 17) with the docker CLI, docker-py and raw sockets: a lifecycle streamed live, the history
 * after a daemon restart, {@code docker stats} without names (which follows container events), and a
 * reader that never reads.
 */
class EventsIT extends ContainerTestBase {

    /** Runs a streaming CLI command and collects its lines until one matches {@code last} (or 30 s pass), then ends it. */
    private List<String> streamUntil(String last, Runnable meanwhile, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", docker.commandLine(args)).redirectErrorStream(true);
        pb.environment().putAll(docker.environment());
        Process p = pb.start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                    if (l.matches(last)) {
                        return;
                    }
                }
            } catch (java.io.IOException ended) {
                // the process was ended
            }
        });
        Thread.sleep(500);      // the CLI has connected and subscribed
        meanwhile.run();
        reader.join(30_000);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return lines;
    }

    private Runnable cli(String... args) {
        return () -> {
            try {
                docker.run(args);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    void aRunDashDashRmStreamsItsLifecycleWithTheExitCode() throws Exception {
        List<String> lines = streamUntil(".*destroy.*", cli("run", "--rm", "--name", "evt", "busybox", "sh", "-c", "exit 3"),
                "events", "--filter", "container=evt", "--format",
                "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}{{with .Actor.Attributes.exitCode}} {{.}}{{end}}");
        assertEquals(List.of("container create evt", "container attach evt", "container start evt", "container die evt 3",
                "container destroy evt"), lines.stream().map(String::strip).toList());
    }

    @Test
    void theHistoryAnswersTheSameAfterADaemonRestart() throws Exception {
        ok("volume", "create", "before");
        ok("run", "--name", "old", "-v", "before:/b", "busybox", "true");
        ok("tag", "busybox", "again:1");
        Thread.sleep(1100);     // the CLI sends --until in whole seconds: the events of this second come after it
        String format = "{{.Type}} {{.Action}} {{.Actor.ID}}";
        String before = ok("events", "--since", "10m", "--until", "0s", "--format", format).stdout();
        assertTrue(before.contains("volume create before") && before.contains("volume mount before") && before.contains("container die")
                && before.contains("volume unmount before") && before.contains("image tag"), before);
        assertEquals(0, daemon.stop());
        daemon = BerthDaemon.startIn(daemon.dir(), daemonArgs());
        docker = DockerCli.against(daemon);
        Thread.sleep(1100);
        String after = ok("events", "--since", "10m", "--until", "0s", "--format", format).stdout();
        assertTrue(after.startsWith(before), "the same history first:\n" + before + "\n---\n" + after + "\n" + daemon.log());
        assertEquals("container die old", ok("events", "--since", "10m", "--until", "0s", "--filter", "event=die",
                "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}").stdout().strip());
        ok("rm", "old");
        ok("volume", "rm", "before");
        ok("rmi", "again:1");
    }

    @Test
    void aClientLeavingAnAttachToARunningContainerIsADetach() throws Exception {
        ok("run", "-d", "--name", "att", "busybox", "sleep", "300");
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("POST", "/containers/att/attach?stream=1&stdout=1", Map.of("Connection", "Upgrade", "Upgrade", "tcp"), null);
            assertEquals(101, c.readHead().status());
        }
        String actions = "";
        for (int i = 0; i < 50 && !actions.contains("detach"); i++) {
            Thread.sleep(100);
            actions = ok("events", "--since", "1m", "--until", Long.toString(System.currentTimeMillis() / 1000 + 1), "--filter",
                    "container=att", "--format", "{{.Action}}").stdout();
        }
        assertEquals(List.of("create", "start", "attach", "detach"), actions.lines().toList());
    }

    @Test
    void statsWithoutNamesFollowsContainersThatStartLater() throws Exception {
        ok("run", "-d", "--name", "first", "busybox", "sleep", "300");
        List<String> lines = streamUntil(".*second.*", cli("run", "-d", "--name", "second", "busybox", "sleep", "300"),
                "stats", "--format", "{{.Name}}");
        String all = String.join("\n", lines);
        assertTrue(all.contains("first") && all.contains("second"), all);
    }

    @Test
    void dockerPyReceivesTheEventsOfALifecycle() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import docker").start();
        assumeTrue(probe.waitFor() == 0, "docker-py (Debian python3-docker) is not installed: skipping");
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-c", String.join("\n",
                "import docker",
                "c = docker.from_env()",
                "events = c.events(decode=True, filters={'container': 'pyev'})",
                "c.containers.run('busybox', 'true', name='pyev', remove=True)",
                "seen = []",
                "for e in events:",
                "    seen.append(e['Action'])",
                "    if e['Action'] == 'destroy':",
                "        break",
                "print(' '.join(seen))")).redirectErrorStream(true);
        pb.environment().putAll(docker.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("create start die destroy", out.strip(), out);     // docker-py's run reads logs, it does not attach
    }

    @Test
    void aReaderThatNeverReadsHoldsUpNoLifecycle() throws Exception {
        try (SocketChannel stalled = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            stalled.connect(UnixDomainSocketAddress.of(daemon.socket()));
            stalled.write(ByteBuffer.wrap("GET /events HTTP/1.1\r\nHost: berth\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            long heap = daemon.liveHeap();
            // many events, none read: creates and removals of 650 containers through one connection, each event ~8 KiB
            // (the container's labels), more than the response's buffer, the socket's and the reader's queue hold
            try (RawHttp c = new RawHttp(daemon.socket())) {
                for (int i = 0; i < 650; i++) {
                    c.sendRequest("POST", "/containers/create?name=flood" + i, Map.of("Content-Type", "application/json"),
                            ("{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"Labels\":{\"padding\":\"" + "x".repeat(8000) + "\"}}")
                                    .getBytes(StandardCharsets.UTF_8));
                    RawHttp.Response created = c.readHead();
                    c.readBody(created);
                    assertEquals(201, created.status());
                    c.sendRequest("DELETE", "/containers/flood" + i, Map.of(), null);
                    assertEquals(204, c.readHead().status());
                }
            }
            assertEquals("", ok("ps", "-aq").stdout().strip());
            Thread.sleep(1100);
            assertTrue(daemon.log().contains("an events reader is not keeping up"), daemon.log());
            long after = daemon.liveHeap();
            // ~10 MiB of events went by; the reader's queue (1024) and its response's buffer (1 MiB) are all that may stay
            assertTrue(after < heap + (24 << 20), "live heap " + heap / 1024 + " KiB -> " + after / 1024 + " KiB");
        }
        // the daemon is still well and answers those who read (the history keeps its newest ~8 MiB of these large events)
        assertEquals("destroy", ok("events", "--since", "1m", "--until", "0s", "--filter", "container=flood649", "--filter", "event=destroy",
                "--format", "{{.Action}}").stdout().strip());
    }

    @Test
    void systemDfAndPruneCountAndRemoveContainersVolumesAndImages() throws Exception {
        ok("run", "--name", "sized", "-v", "kept:/k", "busybox", "sh", "-c", "head -c 100000 /dev/zero > /f");
        ok("tag", "busybox", "spare:1");
        assertTrue(ok("ps", "-a", "--size", "--format", "{{.Names}} {{.Size}}").stdout().strip().startsWith("sized 100kB (virtual"));
        String df = ok("system", "df").stdout();
        assertTrue(df.lines().anyMatch(l -> l.matches("Containers\\s+1\\s+0\\s+100kB.*")), df);
        assertTrue(df.lines().anyMatch(l -> l.matches("Local Volumes\\s+1\\s+1\\s+.*")), df);
        String pruned = ok("system", "prune", "-af", "--volumes").stdout();
        assertTrue(pruned.contains("untagged: spare:1") && pruned.contains("Total reclaimed space"), pruned);
        assertEquals("", ok("ps", "-aq").stdout().strip());
        assertEquals("", ok("images", "-q").stdout().strip());
        assertEquals("kept", ok("volume", "ls", "-q").stdout().strip(), "--volumes takes anonymous volumes only (API 1.42 on)");
        ok("volume", "rm", "kept");
        DockerCli.Result unknown = docker.run("inspect", "nosuchthing");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.stderr().contains("No such object: nosuchthing"), unknown.stderr());
        ok("load", "-i", daemon.dir().resolve("busybox.tar").toString());      // for the checks after the test
    }
}
