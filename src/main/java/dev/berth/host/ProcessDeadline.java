package dev.berth.host;

import java.io.IOException;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * Kills a process with SIGKILL if it is still there once a time has passed. It holds a pidfd, never the
 * PID: by then the process may be gone and its PID another host process's, which must not get the signal.
 */
public final class ProcessDeadline implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProcessDeadline.class.getName());

    private final Thread timer;
    private volatile boolean passed;

    private ProcessDeadline(int pidfd, Duration after) {
        timer = Thread.ofVirtual().name("deadline-" + pidfd).start(() -> {
            try {
                Thread.sleep(after);
                passed = true;
                if (pidfd >= 0) {
                    Posix.pidfdSignal(pidfd, 9);
                }
            } catch (InterruptedException ended) {
                // closed in time
            } catch (IOException e) {
                LOG.fine("killing " + pidfd + " at its deadline: " + e.getMessage());
            } finally {
                if (pidfd >= 0) {
                    Posix.close(pidfd);
                }
            }
        });
    }

    /** Starts the clock for the process with this PID (one that is already gone passes its deadline harmlessly). */
    public static ProcessDeadline start(long pid, Duration after) throws IOException {
        return new ProcessDeadline(Posix.pidfdOpen(pid), after);
    }

    /** Whether the deadline passed before {@link #close}. */
    public boolean passed() {
        return passed;
    }

    /** Stops the clock and waits until the timer has let go of the pidfd. */
    @Override
    public void close() throws InterruptedException {
        timer.interrupt();
        timer.join();
    }
}
