package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.DockerCli;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults of the monitor and the runroot (issue 12): noticed, cleaned up, never duplicated. */
class MonitorFaultsIT extends ContainerTestBase {

    private String inspect(String container, String template) throws Exception {
        return ok("inspect", "-f", template, container).stdout().strip();
    }

    private long conmonPid(String container) throws Exception {
        String id = inspect(container, "{{.Id}}");
        return Long.parseLong(Files.readString(daemon.dir().resolve("run/b").resolve(id.substring(0, 20)).resolve("conmon.pid")).strip());
    }

    private void awaitStatus(String container, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String status;
        while (!(status = inspect(container, "{{.State.Status}}")).equals(expected)) {
            assertTrue(System.nanoTime() < deadline, container + " stayed " + status);
            Thread.sleep(100);
        }
    }

    /** Killed: gone, or a zombie waiting for whoever inherited it (its monitor, its parent, is dead) to reap it. */
    private static boolean deadOrZombie(long pid) throws Exception {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        for (int i = 0; i < 50; i++) {
            try {
                String s = Files.readString(stat);
                if (s.substring(s.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (java.io.IOException gone) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    @Test
    void aKilledMonitorIsNoticedItsContainerKilledAndItsPolicyApplied() throws Exception {
        ok("run", "-d", "--name", "orphan", "busybox", "sleep", "300");
        long pid = Long.parseLong(inspect("orphan", "{{.State.Pid}}"));
        ProcessHandle.of(conmonPid("orphan")).orElseThrow().destroyForcibly();
        awaitStatus("orphan", "exited");
        assertEquals("137", inspect("orphan", "{{.State.ExitCode}}"));
        assertTrue(inspect("orphan", "{{.State.Error}}").contains("monitor (conmon) died"));
        assertTrue(deadOrZombie(pid), "the container's process was killed");
        ok("rm", "orphan");

        // a stop that is waiting when the monitor dies ends at once, not after its timeouts
        ok("run", "-d", "--name", "stopping", "busybox", "sh", "-c", "trap '' TERM; sleep 300");
        long monitor = conmonPid("stopping");
        var stop = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return docker.run("stop", "-t", "20", "stopping");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        ProcessHandle.of(monitor).orElseThrow().destroyForcibly();
        DockerCli.Result stopped = stop.get(15, TimeUnit.SECONDS);
        assertEquals(0, stopped.exitCode(), stopped.stderr());
        assertEquals("exited", inspect("stopping", "{{.State.Status}}"));

        // with a restart policy it comes back
        ok("run", "-d", "--name", "back", "--restart", "always", "busybox", "sleep", "300");
        ProcessHandle.of(conmonPid("back")).orElseThrow().destroyForcibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!inspect("back", "{{.State.Status}} {{.RestartCount}}").equals("running 1")) {
            assertTrue(System.nanoTime() < deadline, inspect("back", "{{.State.Status}} {{.RestartCount}}"));
            Thread.sleep(100);
        }
    }

    @Test
    void aRunrootRemovedUnderRunningContainersLeavesNoSecondInstance() throws Exception {
        ok("run", "-d", "--name", "always", "--restart", "always", "busybox", "sleep", "300");
        ok("run", "-d", "--name", "plain", "busybox", "sleep", "300");
        long alwaysPid = Long.parseLong(inspect("always", "{{.State.Pid}}"));
        long plainPid = Long.parseLong(inspect("plain", "{{.State.Pid}}"));
        daemon.process().destroyForcibly();
        assertTrue(daemon.process().waitFor(10, TimeUnit.SECONDS));
        BerthDaemon.deleteTree(daemon.dir().resolve("run"));
        daemon = BerthDaemon.startIn(daemon.dir());
        docker = DockerCli.against(daemon);
        assertTrue(deadOrZombie(alwaysPid), "the old instance runs on");
        assertTrue(deadOrZombie(plainPid), "an untracked process runs on");
        assertTrue(inspect("plain", "{{.State.Status}} {{.State.Error}}").startsWith("exited its runtime state was lost"));
        awaitStatus("always", "running");
        assertNotEquals(alwaysPid, Long.parseLong(inspect("always", "{{.State.Pid}}")));
        assertEquals(1, ok("exec", "always", "ps", "-o", "args").stdout().lines().filter(l -> l.strip().equals("sleep 300")).count(),
                "one sleep in the container");
    }

    @Test
    void anExitWhileTheDaemonWasDownKeepsItsOwnTime() throws Exception {
        ok("run", "-d", "--name", "brief", "busybox", "sleep", "1");
        daemon.process().destroyForcibly();
        assertTrue(daemon.process().waitFor(10, TimeUnit.SECONDS));
        Thread.sleep(3000);
        Instant restarted = Instant.now();
        daemon = BerthDaemon.startIn(daemon.dir());
        docker = DockerCli.against(daemon);
        Instant finished = Instant.parse(inspect("brief", "{{.State.FinishedAt}}"));
        assertTrue(finished.isBefore(restarted.minusSeconds(1)), "FinishedAt " + finished + ", daemon back at " + restarted);
        assertEquals("exited 0", inspect("brief", "{{.State.Status}} {{.State.ExitCode}}"));
    }
}
