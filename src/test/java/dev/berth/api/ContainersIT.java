package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container lifecycle with the real docker CLI, real conmon and runc, and the busybox test image. */
class ContainersIT extends ContainerTestBase {

    @Test
    void runDetachedThenLogsWaitInspectAndRemove() throws Exception {
        String id = ok("run", "-d", "--name", "alpha", "-e", "GREETING=hi there", "busybox", "sh", "-c",
                "echo \"$GREETING\"; echo to-stderr >&2; id -u; hostname; exit 3").stdout().strip();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertEquals("3", ok("wait", "alpha").stdout().strip());
        DockerCli.Result logs = ok("logs", "alpha");
        assertEquals("hi there\n0\n" + id.substring(0, 12) + "\n", logs.stdout());
        assertEquals("to-stderr\n", logs.stderr());
        assertEquals("exited 3 /alpha", ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.Name}}", "alpha").stdout().strip());
        assertTrue(ok("ps", "-a", "--format", "{{.Names}} {{.Status}}").stdout().contains("alpha Exited (3)"));
        assertEquals("", ok("ps", "-q").stdout().strip(), "an exited container listed without -a");
        ok("rm", "alpha");
        assertEquals(1, docker.run("inspect", "alpha").exitCode());
    }

    @Test
    void userWorkdirAndHostnameAreApplied() throws Exception {
        ok("run", "-d", "--name", "bravo", "-u", "user", "-w", "/made/here", "-h", "boxy", "--entrypoint", "sh", "busybox", "-c",
                "id -u; id -g; pwd; hostname; cat /etc/hostname; grep Seccomp: /proc/self/status; grep CapEff /proc/self/status");
        ok("wait", "bravo");
        // seccomp mode 2 (filter): the default profile is applied; a non-root user has no effective capabilities
        assertEquals("1000\n1000\n/made/here\nboxy\nboxy\nSeccomp:\t2\nCapEff:\t0000000000000000\n", ok("logs", "bravo").stdout());
        DockerCli.Result badUser = docker.run("run", "-d", "-u", "nosuchuser", "busybox", "true");
        assertEquals(125, badUser.exitCode());
        assertTrue(badUser.stderr().contains("unable to find user nosuchuser"), badUser.stderr());
    }

    @Test
    void stopKillAndRemoveARunningContainer() throws Exception {
        ok("run", "-d", "--name", "sleeper", "busybox", "sleep", "300");
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "sleeper").stdout().strip());
        DockerCli.Result rm = docker.run("rm", "sleeper");
        assertEquals(1, rm.exitCode());
        assertTrue(rm.stderr().contains("You cannot remove a running container"), rm.stderr());
        // sleep as pid 1 has no handler for SIGTERM, which the kernel then ignores: KILL it
        ok("kill", "-s", "KILL", "sleeper");
        assertEquals("137", ok("wait", "sleeper").stdout().strip());
        DockerCli.Result notRunning = docker.run("kill", "sleeper");
        assertEquals(1, notRunning.exitCode());
        assertTrue(notRunning.stderr().contains("is not running"), notRunning.stderr());
        ok("start", "sleeper");
        ok("stop", "-t", "1", "sleeper");
        assertEquals("137", ok("inspect", "-f", "{{.State.ExitCode}}", "sleeper").stdout().strip());
        ok("start", "sleeper");
        ok("rm", "-f", "sleeper");
        assertEquals("", ok("ps", "-aq").stdout().strip());
    }

    @Test
    void createErrorsSayWhatIsWrong() throws Exception {
        ok("create", "--name", "named", "busybox", "true");
        DockerCli.Result conflict = docker.run("create", "--name", "named", "busybox", "true");
        assertTrue(conflict.exitCode() != 0);
        assertTrue(conflict.stderr().contains("The container name \"/named\" is already in use by container"), conflict.stderr());
        DockerCli.Result missing = docker.run("run", "-d", "busybox", "/nonexistent");
        assertEquals(127, missing.exitCode());
        assertTrue(missing.stderr().contains("no such file or directory"), missing.stderr());
        RawHttp.Response badName = RawHttp.request(daemon.socket(), "POST", "/containers/create?name=bad%20name",
                Map.of("Content-Type", "application/json"), "{\"Image\":\"busybox\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, badName.status());
        RawHttp.Response noImage = RawHttp.request(daemon.socket(), "POST", "/containers/create",
                Map.of("Content-Type", "application/json"), "{\"Image\":\"nosuch\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(404, noImage.status());
        assertTrue(noImage.bodyText().contains("No such image: nosuch"), noImage.bodyText());
        RawHttp.Response badType = RawHttp.request(daemon.socket(), "POST", "/containers/create",
                Map.of("Content-Type", "application/json"), "{\"Image\":\"busybox\",\"Cmd\":5}".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, badType.status());
        assertEquals(404, RawHttp.request(daemon.socket(), "POST", "/containers/nosuch/start", Map.of(), null).status());
        DockerCli.Result rmi = docker.run("rmi", "busybox");
        assertEquals(1, rmi.exitCode());
        assertTrue(rmi.stderr().contains("(must force) - container ") && rmi.stderr().contains(" is using its referenced image "), rmi.stderr());
    }

    @Test
    void afterAHostRebootRunningContainersAreExited() throws Exception {
        ok("run", "-d", "--name", "sleeper", "busybox", "sleep", "300");
        rebootHost();
        assertEquals("exited 255", ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "sleeper").stdout().strip());
        ok("start", "sleeper");
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "sleeper").stdout().strip());
        ok("rm", "-f", "sleeper");
    }

    @Test
    void networkModesNoneDefaultAndHost() throws Exception {
        ok("create", "--name", "alpha", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net");
        ok("start", "alpha");
        ok("wait", "alpha");
        assertEquals("lo\n", ok("logs", "alpha").stdout());
        ok("run", "-d", "--name", "bravo", "busybox", "sh", "-c", "ls /sys/class/net");
        ok("wait", "bravo");
        assertEquals("eth0\nlo\n", ok("logs", "bravo").stdout(), "the default is the bridge network, as with dockerd");
        ok("run", "-d", "--name", "charlie", "--network", "host", "busybox", "sh", "-c", "ls /sys/class/net");
        ok("wait", "charlie");
        try (var host = Files.list(Path.of("/sys/class/net"))) {
            assertEquals(host.map(p -> p.getFileName().toString()).sorted().toList(),
                    ok("logs", "charlie").stdout().lines().sorted().toList());
        }
    }

    @Test
    void runWithoutDetachAttachesStdioAndPropagatesTheExitCode() throws Exception {
        assertEquals("hi\n", ok("run", "--rm", "busybox", "echo", "hi").stdout());
        DockerCli.Result r = docker.run("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 42");
        assertEquals(42, r.exitCode(), r.stderr());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertEquals("hello\n", docker.runWithInput("hello\n".getBytes(StandardCharsets.UTF_8), "run", "-i", "--rm", "busybox", "cat").stdout());
        assertEquals("", ok("ps", "-aq").stdout().strip());
    }

    @Test
    void parallelCreatesOfOneNameGiveExactlyOneContainer() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(10);
        try {
            java.util.concurrent.Callable<Integer> create = () -> RawHttp.request(daemon.socket(), "POST",
                    "/containers/create?name=named", Map.of("Content-Type", "application/json"),
                    "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}".getBytes(StandardCharsets.UTF_8)).status();
            var results = pool.invokeAll(java.util.Collections.nCopies(50, create));
            int created = 0;
            int conflicts = 0;
            for (var r : results) {
                created += r.get() == 201 ? 1 : 0;
                conflicts += r.get() == 409 ? 1 : 0;
            }
            assertEquals(1, created);
            assertEquals(49, conflicts);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void parallelStartsOfOneContainerStartItOnce() throws Exception {
        String id = ok("create", "--name", "once", "busybox", "sleep", "300").stdout().strip();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.concurrent.Callable<Integer> start = () -> RawHttp.request(daemon.socket(), "POST",
                    "/containers/" + id + "/start", Map.of(), null).status();
            int started = 0;
            for (var r : pool.invokeAll(java.util.Collections.nCopies(8, start))) {
                assertTrue(r.get() == 204 || r.get() == 304, "status " + r.get());
                started += r.get() == 204 ? 1 : 0;
            }
            assertEquals(1, started);
        } finally {
            pool.shutdown();
        }
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "once").stdout().strip());
        assertEquals("hi\n", ok("exec", "once", "echo", "hi").stdout(), "the one process is intact");
    }

    @Test
    void followedLogsEndWhenTheContainerStopsAndRestartRunsItAgain() throws Exception {
        ok("run", "-d", "--name", "charlie", "busybox", "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.3; done");
        assertEquals("line1\nline2\nline3\n", ok("logs", "-f", "charlie").stdout());
        assertEquals("line3\n", ok("logs", "--tail", "1", "charlie").stdout());
        assertTrue(ok("logs", "-t", "charlie").stdout().lines().allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z line\\d")),
                ok("logs", "-t", "charlie").stdout());
        ok("restart", "charlie");
        ok("wait", "charlie");
        assertEquals(6, ok("logs", "charlie").stdout().lines().count());
        assertEquals("charlie", ok("ps", "-a", "--filter", "name=charl", "--filter", "status=exited", "--format", "{{.Names}}").stdout().strip());
        assertEquals("", ok("ps", "-a", "--filter", "status=running", "--format", "{{.Names}}").stdout().strip());
    }

    @Test
    void autoRemoveWaitStillGetsTheExitCode() throws Exception {
        String id = ok("run", "-d", "--rm", "busybox", "sh", "-c", "sleep 1; exit 42").stdout().strip();
        RawHttp.Response wait = RawHttp.request(daemon.socket(), "POST", "/containers/" + id + "/wait?condition=removed", Map.of(), null);
        assertTrue(wait.bodyText().contains("\"StatusCode\":42"), wait.bodyText());
        assertEquals("", ok("ps", "-aq").stdout().strip());
    }

    @Test
    void containersOutliveTheDaemonAndExitsWhileAwayAreNoticed() throws Exception {
        ok("run", "-d", "--name", "sleeper", "busybox", "sleep", "300");
        ok("run", "-d", "--name", "charlie", "busybox", "sh", "-c", "echo before; sleep 3; echo after; exit 7");
        long pid = Long.parseLong(ok("inspect", "-f", "{{.State.Pid}}", "sleeper").stdout().strip());
        daemon.process().destroyForcibly();     // SIGKILL: no chance to tidy up
        assertTrue(daemon.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(Files.exists(Path.of("/proc/" + pid)), "the container died with the daemon");
        Thread.sleep(4000);
        daemon = BerthDaemon.startIn(daemon.dir());
        docker = DockerCli.against(daemon);
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "sleeper").stdout().strip());
        assertEquals("exited 7", ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "charlie").stdout().strip());
        assertFalse(ok("inspect", "-f", "{{.State.FinishedAt}}", "charlie").stdout().startsWith("0001"));
        assertEquals("before\nafter\n", ok("logs", "charlie").stdout());
        ok("stop", "-t", "1", "sleeper");
        assertFalse(Files.exists(Path.of("/proc/" + pid)));
    }
}
