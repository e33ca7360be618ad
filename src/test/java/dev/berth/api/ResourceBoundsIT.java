package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What clients leave behind is given back; slow work in one place does not stall the rest (issue 12). */
class ResourceBoundsIT extends ContainerTestBase {

    private long count(String dir) throws Exception {
        try (var s = Files.list(Path.of("/proc", Long.toString(daemon.process().pid()), dir))) {
            return s.count();
        }
    }

    private long liveHeap() throws Exception {
        return daemon.liveHeap();
    }

    private void abandon(String method, String path, Map<String, String> headers) throws Exception {
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest(method, path, headers, null);
            c.readHead();
        }
    }

    @Test
    void abandonedFollowsAttachesAndWaitsGiveEverythingBack() throws Exception {
        ok("run", "-d", "--name", "quiet", "busybox", "sleep", "300");
        ok("create", "--name", "later", "busybox", "true");
        abandon("GET", "/containers/quiet/logs?follow=1&stdout=1", Map.of());
        Thread.sleep(500);
        long threads = count("task");
        long fds = count("fd");
        long heap = liveHeap();
        for (int i = 0; i < 500; i++) {
            abandon("GET", "/containers/quiet/logs?follow=1&stdout=1&stderr=1", Map.of());
        }
        Map<String, String> upgrade = Map.of("Connection", "Upgrade", "Upgrade", "tcp");
        for (int i = 0; i < 100; i++) {
            abandon("POST", "/containers/quiet/attach?logs=1&stream=1&stdout=1", upgrade);
            abandon("POST", "/containers/later/attach?stream=1&stdout=1", upgrade);    // pending until a start that never comes
            abandon("POST", "/containers/quiet/wait?condition=next-exit", Map.of());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((count("task") > threads + 4 || count("fd") > fds + 8) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(count("task") <= threads + 4, "threads " + threads + " -> " + count("task"));
        assertTrue(count("fd") <= fds + 8, "fds " + fds + " -> " + count("fd"));
        long after = liveHeap();
        assertTrue(after < heap + (8 << 20), "live heap " + heap / 1024 + " KiB -> " + after / 1024 + " KiB");
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "quiet").stdout().strip());
    }

    @Test
    void slowHealthChecksDoNotStallTheApi() throws Exception {
        for (int i = 0; i < 4; i++) {
            ok("run", "-d", "--name", "slow" + i, "--health-cmd", "sleep 20", "--health-interval", "100ms",
                    "--health-timeout", "60s", "busybox", "sleep", "300");
        }
        Thread.sleep(1500);     // every probe is in its long read now
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            ok("ps", "-q");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 5000, "docker ps took " + ms + " ms while health probes were running");
        }
    }

    @Test
    void aDamagedContainerFileLosesOnlyThatContainer() throws Exception {
        String good = ok("create", "--name", "good", "busybox", "true").stdout().strip();
        String bad = ok("create", "--name", "bad", "busybox", "true").stdout().strip();
        assertEquals(0, daemon.stop());
        Path file = daemon.dir().resolve("root/containers").resolve(bad).resolve("container.json");
        Files.writeString(file, "{\"Id\": \"" + bad + "\", \"Name\": tru");
        daemon = BerthDaemon.startIn(daemon.dir());
        docker = DockerCli.against(daemon);
        assertEquals(good + "\n", ok("ps", "-aq", "--no-trunc").stdout());
        assertTrue(Files.exists(daemon.dir().resolve("root/containers-damaged").resolve(bad).resolve("container.json")),
                "the damaged file is kept aside");
        assertTrue(daemon.log().contains("damaged container.json"), daemon.log());
    }
}
