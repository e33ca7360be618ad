package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Restart policies, health checks, docker update, stats and container prune (issue 6). */
class RestartHealthStatsIT extends ContainerTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Polls the inspect template until it shows {@code expected}; fails with the last value after {@code seconds}. */
    private void await(String expected, int seconds, String container, String template) throws Exception {
        String[] last = {""};
        eventually(seconds, () -> (last[0] = ok("inspect", "-f", template, container).stdout().strip()).equals(expected),
                () -> container + ": expected " + expected + ", still " + last[0]);
    }

    private void eventually(int seconds, Callable<Boolean> condition, java.util.function.Supplier<String> failure) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.call()) {
            assertTrue(System.nanoTime() < deadline, failure);
            Thread.sleep(100);
        }
    }

    private String inspect(String container, String template) throws Exception {
        return ok("inspect", "-f", template, container).stdout().strip();
    }

    @Test
    void onFailureRestartsUpToItsCountWithBackOffAndAStopEndsAlways() throws Exception {
        DockerCli.Result r = docker.run("run", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1");
        assertEquals(1, r.exitCode(), r.stderr());
        await("exited 2 1", 15, "flaky", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}");
        Thread.sleep(1000);
        assertEquals("exited 2", inspect("flaky", "{{.State.Status}} {{.RestartCount}}"), "no restart past the maximum");
        // a success ends on-failure at once
        ok("run", "--name", "fine", "--restart", "on-failure", "busybox", "true");
        Thread.sleep(500);
        assertEquals("exited 0", inspect("fine", "{{.State.Status}} {{.RestartCount}}"));

        ok("run", "-d", "--name", "loop", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2; exit 3");
        eventually(20, () -> Integer.parseInt(inspect("loop", "{{.RestartCount}}")) >= 3, () -> "always restarts");
        assertTrue(ok("ps", "--format", "{{.Names}} {{.Status}}").stdout().contains("loop "), "shown by ps without -a");
        ok("stop", "loop");
        String stopped = inspect("loop", "{{.State.Status}} {{.RestartCount}}");
        assertTrue(stopped.startsWith("exited "), stopped);
        Thread.sleep(1500);
        assertEquals(stopped, inspect("loop", "{{.State.Status}} {{.RestartCount}}"), "a stopped always container stays down");
        // a start by hand begins afresh
        ok("start", "loop");
        assertEquals("0", inspect("loop", "{{.RestartCount}}"));
        ok("rm", "-f", "loop");
        assertFalse(ok("ps", "-a", "--format", "{{.Names}}").stdout().contains("loop"));
    }

    /** dockerd's rules: a kill calls a restart off only with SIGKILL or the stop signal, or any signal when there is none. */
    @Test
    void aKillWithAnotherSignalThanTheStopSignalLeavesAlwaysAndOnFailureRestarting() throws Exception {
        String trapping = "trap 'exit 7' USR1 TERM; while :; do sleep 0.1; done";
        ok("run", "-d", "--name", "sig", "--restart", "always", "--stop-signal", "TERM", "busybox", "sh", "-c", trapping);
        ok("run", "-d", "--name", "nosig", "--restart", "always", "busybox", "sh", "-c", trapping);
        ok("run", "-d", "--name", "unless", "--restart", "unless-stopped", "--stop-signal", "TERM", "busybox", "sh", "-c", trapping);
        ok("run", "-d", "--name", "fail", "--restart", "on-failure", "--stop-signal", "TERM", "busybox", "sh", "-c", trapping);
        ok("kill", "-s", "USR1", "sig", "nosig", "unless", "fail");
        await("running 1", 15, "sig", "{{.State.Status}} {{.RestartCount}}");
        await("running 1", 15, "fail", "{{.State.Status}} {{.RestartCount}}");
        await("exited 7 0", 15, "nosig", "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}");
        await("exited 7 0", 15, "unless", "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}");
        ok("kill", "-s", "TERM", "sig");
        await("exited 7 1", 15, "sig", "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}");
        Thread.sleep(1000);
        assertEquals("exited 1", inspect("sig", "{{.State.Status}} {{.RestartCount}}"), "the stop signal keeps it down");
        assertEquals("exited", inspect("nosig", "{{.State.Status}}"));
        ok("rm", "-f", "sig", "nosig", "unless", "fail");
    }

    /** Between restarts a container is restarting, and the coming restart is counted already, as dockerd shows it. */
    @Test
    void betweenOnFailureRestartsTheContainerIsRestartingAndCounted() throws Exception {
        ok("run", "-d", "--name", "retry", "--restart", "on-failure:5", "busybox", "sh", "-c", "sleep 0.1; exit 1");
        java.util.Set<String> seen = new java.util.TreeSet<>();
        eventually(30, () -> {
            String s = inspect("retry", "{{.State.Status}} {{.RestartCount}} {{.State.Running}} {{.State.Restarting}}");
            seen.add(s);
            return s.startsWith("exited ");
        }, () -> "still restarting: " + seen);
        assertEquals("exited 5", inspect("retry", "{{.State.Status}} {{.RestartCount}}"), seen.toString());
        assertTrue(seen.stream().anyMatch(s -> s.matches("restarting [1-5] true true")), seen.toString());
        assertTrue(seen.stream().noneMatch(s -> s.matches("restarting 0 .*")), "counted when the restart is decided: " + seen);
        assertTrue(seen.stream().noneMatch(s -> s.startsWith("exited ") && !s.equals("exited 5 false false")),
                "never exited between restarts: " + seen);
        ok("rm", "retry");
    }

    @Test
    void policiesBringContainersBackAfterAHostReboot() throws Exception {
        ok("run", "-d", "--name", "always", "--restart", "always", "busybox", "sleep", "300");
        ok("run", "-d", "--name", "unless", "--restart", "unless-stopped", "busybox", "sleep", "300");
        ok("run", "-d", "--name", "unless-stopped-by-hand", "--restart", "unless-stopped", "busybox", "sleep", "300");
        ok("run", "-d", "--name", "always-stopped-by-hand", "--restart", "always", "busybox", "sleep", "300");
        ok("run", "-d", "--name", "none", "busybox", "sleep", "300");
        ok("stop", "-t", "0", "unless-stopped-by-hand", "always-stopped-by-hand");
        rebootHost();
        await("running", 15, "always", "{{.State.Status}}");
        await("running", 15, "unless", "{{.State.Status}}");
        await("running", 15, "always-stopped-by-hand", "{{.State.Status}}");
        assertEquals("exited", inspect("unless-stopped-by-hand", "{{.State.Status}}"));
        assertEquals("exited 255", inspect("none", "{{.State.Status}} {{.State.ExitCode}}"));
        assertEquals("hi\n", ok("exec", "always", "echo", "hi").stdout(), "a restarted container is fully usable");
    }

    @Test
    void healthChecksReachHealthyUnhealthyAndTimeOut() throws Exception {
        ok("run", "-d", "--name", "doc", "--health-cmd", "test -f /tmp/ok && echo fine", "--health-interval", "200ms",
                "--health-retries", "2", "busybox", "sleep", "300");
        await("unhealthy", 20, "doc", "{{.State.Health.Status}}");
        assertTrue(ok("ps", "--format", "{{.Names}} {{.Status}}").stdout().contains("doc Up"), "still running");
        assertTrue(ok("ps", "--format", "{{.Status}}", "--filter", "name=doc").stdout().strip().endsWith("(unhealthy)"));
        ok("exec", "doc", "touch", "/tmp/ok");
        await("healthy", 20, "doc", "{{.State.Health.Status}}");
        assertEquals("doc\n", ok("ps", "--filter", "health=healthy", "--format", "{{.Names}}").stdout());
        JsonNode health = JSON.readTree(inspect("doc", "{{json .State.Health}}"));
        JsonNode last = health.path("Log").get(health.path("Log").size() - 1);
        assertEquals(0, last.path("ExitCode").asInt());
        assertEquals("fine\n", last.path("Output").asText());
        assertEquals(0, health.path("FailingStreak").asInt());
        assertTrue(health.path("Log").size() <= 5, "the log keeps the last five probes");
        String id = inspect("doc", "{{.Id}}");
        try (var sessions = Files.list(daemon.dir().resolve("run/b").resolve(id.substring(0, 20)).resolve("x"))) {
            assertTrue(sessions.count() <= 2, "probes' exec sessions are cleaned up (one may be running)");
        }
        // ended probes are not listed; one may be running now (dockerd lists a running probe too)
        assertTrue(JSON.readTree(inspect("doc", "{{json .ExecIDs}}")).size() <= 1, inspect("doc", "{{json .ExecIDs}}"));
        // a daemon killed and started again picks the check up for the container that kept running
        daemon.process().destroyForcibly();
        assertTrue(daemon.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        daemon = dev.berth.testing.BerthDaemon.startIn(daemon.dir());
        docker = DockerCli.against(daemon);
        ok("exec", "doc", "rm", "/tmp/ok");
        await("unhealthy", 20, "doc", "{{.State.Health.Status}}");

        // still within the start period: failures do not count
        ok("run", "-d", "--name", "slow", "--health-cmd", "false", "--health-interval", "200ms", "--health-retries", "1",
                "--health-start-period", "60s", "busybox", "sleep", "300");
        Thread.sleep(1500);
        assertEquals("starting 0", inspect("slow", "{{.State.Health.Status}} {{.State.Health.FailingStreak}}"));
        assertTrue(ok("ps", "--format", "{{.Status}}", "--filter", "name=slow").stdout().strip().endsWith("(health: starting)"));

        ok("run", "-d", "--name", "stuck", "--health-cmd", "sleep 30", "--health-timeout", "300ms", "--health-interval", "200ms",
                "--health-retries", "1", "busybox", "sleep", "300");
        await("unhealthy", 20, "stuck", "{{.State.Health.Status}}");
        JsonNode probe = JSON.readTree(inspect("stuck", "{{json .State.Health}}")).path("Log").get(0);
        assertEquals(-1, probe.path("ExitCode").asInt());
        assertEquals("Health check exceeded timeout (300ms)", probe.path("Output").asText());
        Thread.sleep(1000);
        String top = ok("top", "stuck").stdout();
        assertTrue(top.lines().filter(l -> l.endsWith(" sleep 30")).count() <= 1, "probes past their timeout are killed: " + top);
    }

    @Test
    void aProbeEndsWithItsProcessEvenWhenABackgroundChildKeepsItsOutputOpen() throws Exception {
        // the child inherits the probe's stdout and lives on: the probe still ends when its own process does
        ok("run", "-d", "--name", "bg", "--health-cmd", "sleep 600 & echo started", "--health-interval", "300ms",
                "--health-timeout", "30s", "--health-retries", "1", "busybox", "sleep", "300");
        await("healthy", 20, "bg", "{{.State.Health.Status}}");
        JsonNode probe = JSON.readTree(inspect("bg", "{{json .State.Health}}")).path("Log").get(0);
        assertEquals(0, probe.path("ExitCode").asInt(), probe.toString());
        assertEquals("started\n", probe.path("Output").asText());
        // and later probes keep coming, each ending on its own
        String first = probe.path("Start").asText();
        long deadline = System.nanoTime() + 20_000_000_000L;
        JsonNode log;
        do {
            Thread.sleep(200);
            log = JSON.readTree(inspect("bg", "{{json .State.Health}}")).path("Log");
        } while (log.get(log.size() - 1).path("Start").asText().equals(first) && System.nanoTime() < deadline);
        assertTrue(!log.get(log.size() - 1).path("Start").asText().equals(first), "probes go on: " + log);
        assertEquals(0, log.get(log.size() - 1).path("ExitCode").asInt(), log.toString());
    }

    @Test
    void updateChangesLimitsLiveAndStatsReportsThem() throws Exception {
        boolean v1 = Files.isDirectory(Path.of("/sys/fs/cgroup/memory"));
        String files = v1 ? "/sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max"
                : "/sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max";
        ok("run", "-d", "--name", "box", "--memory", "64m", "busybox", "sleep", "300");
        ok("update", "--memory", "100m", "--cpus", "0.5", "--pids-limit", "50", "--restart", "unless-stopped", "box");
        String limits = ok("exec", "box", "sh", "-c", "cat " + files).stdout();
        assertEquals(v1 ? "104857600\n50000\n50\n" : "104857600\n50000 100000\n50\n", limits);
        assertEquals("104857600 500000000 50 unless-stopped", inspect("box",
                "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}"));

        DockerCli.Result missing = docker.run("update", "--memory", "100m", "nosuch");
        assertTrue(missing.exitCode() != 0 && missing.stderr().contains("No such container: nosuch"), missing.stderr());
        RawHttp.Response bad = RawHttp.request(daemon.socket(), "POST", "/containers/box/update", Map.of("Content-Type", "application/json"),
                "{\"Memory\":-5}".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, bad.status(), bad.bodyText());
        assertTrue(bad.bodyText().contains("invalid Memory"), bad.bodyText());
        RawHttp.Response fixed = RawHttp.request(daemon.socket(), "POST", "/containers/box/update", Map.of("Content-Type", "application/json"),
                "{\"CgroupParent\":\"elsewhere\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, fixed.status(), fixed.bodyText());

        String row = ok("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}} {{.MemUsage}}", "box").stdout().strip();
        assertTrue(row.matches("box 1 [0-9.]+[KMG]?i?B / 100MiB"), row);
        ok("run", "-d", "--name", "busy", "busybox", "sh", "-c", "while :; do :; done");
        String cpu = ok("stats", "--no-stream", "--format", "{{.CPUPerc}}", "busy").stdout().strip();
        assertTrue(Double.parseDouble(cpu.replace("%", "")) > 30, "a busy loop shows as CPU use: " + cpu);
        ok("rm", "-f", "busy");

        JsonNode once = JSON.readTree(RawHttp.request(daemon.socket(), "GET", "/containers/box/stats?stream=false&one-shot=true",
                Map.of(), null).body());
        assertEquals("/box", once.path("name").asText());
        assertEquals(1, once.path("pids_stats").path("current").asInt());
        assertEquals(50, once.path("pids_stats").path("limit").asInt());
        assertEquals(104857600L, once.path("memory_stats").path("limit").asLong());
        assertTrue(once.path("memory_stats").path("usage").asLong() > 0, once.toString());
        assertTrue(once.path("cpu_stats").path("cpu_usage").path("total_usage").asLong() > 0, once.toString());
        assertTrue(once.path("cpu_stats").path("system_cpu_usage").asLong() > 0, once.toString());
        assertEquals(0, once.path("precpu_stats").path("cpu_usage").path("total_usage").asLong());

        // the stream: a sample a second until the client hangs up
        try (RawHttp http = new RawHttp(daemon.socket())) {
            http.sendRequest("GET", "/containers/box/stats", Map.of(), null);
            assertEquals(200, http.readHead().status());
            StringBuilder seen = new StringBuilder();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (seen.toString().split("\"precpu_stats\"", -1).length < 3 && System.nanoTime() < deadline) {
                seen.append(new String(http.readExactly(1), StandardCharsets.ISO_8859_1));
            }
            assertEquals(3, seen.toString().split("\"precpu_stats\"", -1).length, "two samples streamed");
        }
        assertEquals(404, RawHttp.request(daemon.socket(), "GET", "/containers/nosuch/stats?stream=false", Map.of(), null).status());
        ok("stop", "-t", "0", "box");
        JsonNode stopped = JSON.readTree(RawHttp.request(daemon.socket(), "GET", "/containers/box/stats?stream=false&one-shot=true",
                Map.of(), null).body());
        assertEquals(0, stopped.path("cpu_stats").path("cpu_usage").path("total_usage").asLong(), "a stopped container's stats are zero");
        assertTrue(ok("ps", "--format", "{{.Names}}").stdout().isEmpty(), "docker ps still answers");
    }

    @Test
    void pruneRemovesStoppedContainersByLabelAndAge() throws Exception {
        ok("run", "--name", "old", "--label", "keep=no", "busybox", "sh", "-c", "head -c 100000 /dev/zero > /junk");
        ok("create", "--name", "fresh", "busybox", "true");
        ok("run", "--name", "kept", "--label", "keep=yes", "busybox", "true");
        ok("run", "-d", "--name", "alive", "busybox", "sleep", "300");
        assertTrue(ok("container", "prune", "-f", "--filter", "until=1h").stdout().contains("Total reclaimed space: 0B"),
                "nothing is an hour old");
        String out = ok("container", "prune", "-f", "--filter", "label!=keep=yes").stdout();
        assertFalse(out.contains(inspect("alive", "{{.Id}}")), "a running container is never pruned: " + out);
        assertTrue(out.contains("Deleted Containers:"), out);
        assertTrue(out.matches("(?s).*Total reclaimed space: (9[0-9]|1[0-9][0-9])(\\.\\d+)?kB.*"), "the junk file's size: " + out);
        assertEquals("alive\nkept\n", ok("ps", "-a", "--format", "{{.Names}}").stdout().lines().sorted()
                .reduce("", (a, b) -> a + b + "\n"));
        RawHttp.Response bad = RawHttp.request(daemon.socket(), "POST", "/containers/prune?filters=%7B%22color%22%3A%5B%22x%22%5D%7D",
                Map.of(), null);
        assertEquals(400, bad.status(), bad.bodyText());
    }
}
