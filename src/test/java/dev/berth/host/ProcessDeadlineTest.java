package dev.berth.host;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The health probe's deadline: it kills its process, and never the one that takes that PID after it. */
class ProcessDeadlineTest {

    private static final Path LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");

    @Test
    void aProcessStillThereAtItsDeadlineIsKilled() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try (ProcessDeadline deadline = ProcessDeadline.start(p.pid(), Duration.ofMillis(100))) {
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue());
            deadline.close();
            assertTrue(deadline.passed());
        }
    }

    @Test
    void closedInTimeItKillsNothing() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            try (ProcessDeadline deadline = ProcessDeadline.start(p.pid(), Duration.ofMillis(300))) {
                deadline.close();
                assertFalse(deadline.passed());
            }
            Thread.sleep(500);
            assertTrue(p.isAlive());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    /**
     * A real PID reuse: the probe's process exits and is reaped, the kernel is told to hand out its PID next
     * (ns_last_pid, as root) and another process takes it; the deadline then passes and that process lives on.
     */
    @Test
    void theProcessThatTakesItsPidAfterItNeverGetsTheSignal() throws Exception {
        Process probe = new ProcessBuilder("sleep", "60").start();
        long pid = probe.pid();
        try (ProcessDeadline deadline = ProcessDeadline.start(pid, Duration.ofMillis(500))) {
            probe.destroyForcibly().waitFor();
            Process stranger = null;
            // other host processes may take the PID first: a bounded number of tries
            for (int i = 0; i < 50 && stranger == null; i++) {
                Files.writeString(LAST_PID, Long.toString(pid - 1));
                Process p = new ProcessBuilder("sleep", "60").start();
                if (p.pid() == pid) {
                    stranger = p;
                } else {
                    p.destroyForcibly().waitFor();
                }
            }
            assertNotNull(stranger, "no process could be made to take PID " + pid);
            try {
                assertFalse(stranger.waitFor(2, TimeUnit.SECONDS), "the process that took the PID was killed");
                deadline.close();
                assertTrue(deadline.passed());
            } finally {
                stranger.destroyForcibly().waitFor();
            }
        }
    }
}
