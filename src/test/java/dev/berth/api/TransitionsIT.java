package dev.berth.api;

import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lifecycle transitions that raced before (issue 12): each is one serialized step per container. */
class TransitionsIT extends ContainerTestBase {

    private static String unixTime(java.time.Instant t) {
        return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }

    private String inspect(String container, String template) throws Exception {
        return ok("inspect", "-f", template, container).stdout().strip();
    }

    @Test
    void restartWorksEveryTimeAndParallelTransitionsSerialize() throws Exception {
        ok("run", "-d", "--name", "rr", "busybox", "sleep", "100");
        for (int i = 0; i < 5; i++) {
            ok("restart", "-t", "0", "rr");
            assertEquals("running", inspect("rr", "{{.State.Status}}"), "after restart " + i);
        }
        java.time.Instant before = java.time.Instant.now();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<DockerCli.Result>> results = new ArrayList<>();
            for (String verb : new String[] {"restart", "restart", "restart", "stop"}) {
                results.add(pool.submit(() -> docker.run(verb, "-t", "0", "rr")));
            }
            for (Future<DockerCli.Result> r : results) {
                assertEquals(0, r.get().exitCode(), r.get().stderr());
            }
        } finally {
            pool.shutdown();
        }
        // Serialized means each transition's events come whole, one transition after another: a restart is
        // kill-die-stop-start-restart (start-restart when it came while the container was down, as dockerd),
        // the stop kill-die-stop (or nothing, when it came while the container was down); all three restarts
        // happened, and the state is what the last transition left.
        // exact times: the CLI turns a duration such as "0s" into whole seconds, as dockerd reads it
        String actions = ok("events", "--since", unixTime(before), "--until", unixTime(java.time.Instant.now()), "--filter", "container=rr",
                "--filter", "event=kill", "--filter", "event=die", "--filter", "event=stop", "--filter", "event=start",
                "--filter", "event=restart", "--format", "{{.Action}}").stdout().strip().replace('\n', ' ');
        String restart = "kill die stop start restart";
        String stop = "kill die stop";
        java.util.regex.Matcher whole = java.util.regex.Pattern.compile("((" + restart + "|start restart|" + stop + ")( |$))+").matcher(actions);
        assertTrue(whole.matches(), "transitions interleaved: " + actions);
        assertEquals(3, actions.split("restart", -1).length - 1, actions);
        assertTrue(actions.replace(restart, "").replace("start restart", "").strip().split(" ").length <= 3, "one stop at most: " + actions);
        assertEquals(actions.endsWith("restart") ? "running" : "exited", inspect("rr", "{{.State.Status}}"), actions);
        ok("start", "rr");
        assertEquals("running", inspect("rr", "{{.State.Status}}"));
    }

    @Test
    void killReturnsOnceTheContainerHasExited() throws Exception {
        for (int i = 0; i < 3; i++) {
            ok("run", "-d", "--name", "k" + i, "busybox", "sleep", "100");
            ok("kill", "k" + i);
            assertEquals("exited 137", inspect("k" + i, "{{.State.Status}} {{.State.ExitCode}}"));
        }
        // an auto-removed container is gone once the kill returns: a forced remove then is a 404, never a 500
        ok("run", "-d", "--rm", "--name", "gone", "busybox", "sleep", "100");
        ok("kill", "gone");
        DockerCli.Result rm = docker.run("rm", "-f", "gone");
        assertTrue(rm.exitCode() == 0 || rm.stderr().contains("No such container"), rm.stderr());
        assertEquals("", ok("ps", "-aq", "--filter", "name=gone").stdout());
    }

    @Test
    void removeDuringStartLeavesNothingBehind() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 5; i++) {
                String id = ok("create", "busybox", "sleep", "100").stdout().strip();
                Future<DockerCli.Result> start = pool.submit(() -> docker.run("start", id));
                Future<DockerCli.Result> rm = pool.submit(() -> docker.run("rm", "-f", id));
                DockerCli.Result started = start.get();
                assertEquals(0, rm.get().exitCode(), rm.get().stderr());
                assertTrue(started.exitCode() == 0 || started.stderr().contains("No such container"), started.stderr());
                assertEquals("", ok("ps", "-aq", "--filter", "id=" + id).stdout());
            }
        } finally {
            pool.shutdown();
        }
        // the base class's teardown checks that no monitor, runtime process or mount is left
    }

    @Test
    void aBurstOfExitsIsSeenWholeWithTheExitCodes() throws Exception {
        int n = 200;
        Path shared = Files.createDirectories(daemon.dir().resolve("burst"));
        Path fifo = shared.resolve("go");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        String body = Json.MAPPER.writeValueAsString(Map.of("Image", "busybox", "Cmd", List.of("sh", "-c", "read x < /s/go; exit 7"),
                "HostConfig", Map.of("Binds", List.of(shared + ":/s"))));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<String> ids = new ArrayList<>();
        try {
            List<Future<String>> made = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                made.add(pool.submit(() -> {
                    var created = RawHttp.request(daemon.socket(), "POST", "/containers/create", Map.of("Content-Type", "application/json"),
                            body.getBytes(StandardCharsets.UTF_8));
                    assertEquals(201, created.status(), created.bodyText());
                    String id = Json.MAPPER.readTree(created.body()).path("Id").asText();
                    var started = RawHttp.request(daemon.socket(), "POST", "/containers/" + id + "/start", Map.of(), new byte[0]);
                    assertEquals(204, started.status(), started.bodyText());
                    return id;
                }));
            }
            for (Future<String> f : made) {
                ids.add(f.get());
            }
        } finally {
            pool.shutdown();
        }
        // one writer opening and closing the FIFO ends every reader at once
        try (var release = Files.newOutputStream(fifo)) {
            release.write('\n');
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        String running;
        do {
            Thread.sleep(500);
            running = ok("ps", "-q").stdout().strip();
        } while (!running.isEmpty() && System.nanoTime() < deadline);
        assertEquals("", running, "containers still shown running long after their exit");
        String codes = ok("ps", "-a", "--format", "{{.Status}}").stdout();
        assertEquals(n, codes.lines().filter(l -> l.startsWith("Exited (7)")).count(), codes);
        var waited = RawHttp.request(daemon.socket(), "POST", "/containers/" + ids.getFirst() + "/wait", Map.of(), new byte[0]);
        assertTrue(waited.bodyText().contains("\"StatusCode\":7"), waited.bodyText());
    }
}
