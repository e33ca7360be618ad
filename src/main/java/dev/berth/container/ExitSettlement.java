package dev.berth.container;

import dev.berth.errors.EngineException;
import dev.berth.runtime.OciRuntime;
import dev.berth.network.ContainerNetworks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Records how containers' processes ended: from conmon's exit files as the {@link ExitMonitor} reports
 * them, after a dead monitor, and at the daemon's start for what happened while it was away; then wakes
 * the waiters and applies auto-removal or the restart policy. Settles under the container's transition lock.
 */
final class ExitSettlement implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ExitSettlement.class.getName());

    private final ContainerIndex index;
    private final TransitionLocks transitions;
    private final OciRuntime runtime;
    private final RestartManager restarts;
    private final Waiters waiters;
    private final ContainerEvents events;
    private final ContainerTeardown teardown;
    private final ExitMonitor monitor;
    /** How long a SIGKILLed process may take to be reaped. */
    static final Duration KILL_GRACE = Duration.ofSeconds(30);

    ExitSettlement(Path exitDir, ContainerIndex index, TransitionLocks transitions, OciRuntime runtime,
                   RestartManager restarts, Waiters waiters, ContainerEvents events, ContainerTeardown teardown) throws IOException {
        this.index = index;
        this.transitions = transitions;
        this.runtime = runtime;
        this.restarts = restarts;
        this.waiters = waiters;
        this.events = events;
        this.teardown = teardown;
        this.monitor = new ExitMonitor(exitDir, runtime, index::list, this::settleLocked);
    }

    /** The exits it watches for: what stop and kill wait on. */
    ExitMonitor monitor() {
        return monitor;
    }

    /**
     * The container as it is now, for a transition holding its lock: it may have been removed while the
     * transition waited for the lock. An exit that happened but was not recorded yet is recorded first.
     */
    Container current(String id) throws IOException {
        Container c = index.find(id);
        if (c == null) {
            throw EngineException.notFound("No such container: " + id);
        }
        if (c.state().running() && runtime.exitCode(runtime.paths(id)).isPresent()) {
            exited(id);
            return current(id);
        }
        return c;
    }

    /** What the exit monitor reports: settled under the container's lock. */
    private void settleLocked(String id) {
        try {
            transitions.interrupting(id, () -> {
                if (index.find(id) != null) {
                    settle(id);
                }
                return null;
            });
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "recording the exit of " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * The container's process ended, or its monitor died: records the exit from the exit file, or, with no
     * exit file and no monitor left to write one, kills what is left and records that. Holding its lock.
     */
    void settle(String id) throws IOException {
        if (runtime.exitCode(runtime.paths(id)).isPresent()) {
            exited(id);
            return;
        }
        Container c = index.find(id);
        if (c == null || !c.state().running() || runtime.monitor(id).isPresent()) {
            return;
        }
        try {
            runtime.kill(id, 9);
        } catch (IOException gone) {
            LOG.fine("SIGKILL after the monitor died: " + gone.getMessage());
        }
        record(id, c, 137, Instant.now().toString(), false, "the container's monitor (conmon) died: the container was killed");
    }

    /** SIGKILL, then the exit recorded; holding the container's lock. */
    void killAndAwait(String id) throws IOException {
        CompletableFuture<Void> exit = monitor.exitOf(id);
        try {
            runtime.kill(id, 9);
        } catch (IOException gone) {
            LOG.fine("SIGKILL: " + gone.getMessage());
        }
        if (!awaitExit(id, exit, KILL_GRACE)) {
            throw new IOException("container " + id + " did not exit within " + KILL_GRACE.toSeconds() + "s of SIGKILL");
        }
    }

    /**
     * Waits, holding the container's lock, until its process has exited (or its monitor died), then
     * settles the exit; false when it does not happen in time.
     */
    boolean awaitExit(String id, CompletableFuture<Void> exit, Duration timeout) throws IOException {
        try {
            if (!ended(id, exit, timeout)) {
                return false;
            }
        } finally {
            monitor.done(id, exit);
        }
        settle(id);
        return true;
    }

    /** Whether the exit came within the timeout (null: no limit). */
    static boolean ended(String id, CompletableFuture<Void> exit, Duration timeout) throws IOException {
        try {
            if (timeout == null) {
                exit.get();
            } else {
                exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + id + " to exit", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** Records the exit of a container whose exit file is there; nothing when it was recorded already. Holding its lock. */
    void exited(String id) {
        OptionalInt code;
        try {
            code = runtime.exitCode(runtime.paths(id));
        } catch (IOException | NumberFormatException e) {
            return;     // still being written: the MODIFY event brings us back
        }
        Container c = index.find(id);
        if (c == null || code.isEmpty() || !c.state().running()) {
            return;
        }
        record(id, c, code.getAsInt(), finishedAt(runtime.paths(id).exitFile()), Files.exists(runtime.paths(id).oomFile()), "");
    }

    /** Records an exit, releases the runtime's hold, then wakes the waiters and applies auto-removal or the restart policy. */
    private void record(String id, Container c, int exitCode, String finishedAt, boolean oom, String error) {
        monitor.forgetMonitor(id);
        boolean restart = restarts.wantsBack(c, exitCode);
        Container died = index.update(id, s -> {
            ContainerState ended = s.state().exited(exitCode, finishedAt, oom).withError(error);
            // wanted back: restarting from the exit on, and counted already, as dockerd shows it
            return restart ? s.withState(ended.restarting(true)).withRestartCount(s.restartCount() + 1) : s.withState(ended);
        });
        if (oom) {
            events.fire(died, id, "oom", Map.of());
        }
        events.fire(died, id, "die", Map.of("exitCode", Integer.toString(exitCode)));
        teardown.afterRun(id);
        events.volumes(c, "unmount");
        if (restart) {
            restarts.schedule(id);    // before the waiters wake: a remove right after the wait sees it restarting
        }
        waiters.exited(id, exitCode);
        if (!restart && c.autoRemove()) {
            try {
                teardown.remove(id, true);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "auto-removing " + id + ": " + e.getMessage(), e);
            }
        }
    }

    /** When the process ended: the exit file's time (conmon writes it then), which also holds for exits while the daemon was away. */
    private static String finishedAt(Path exitFile) {
        try {
            return Files.getLastModifiedTime(exitFile).toInstant().toString();
        } catch (IOException e) {
            return Instant.now().toString();
        }
    }

    /**
     * At start-up: containers that ended while the daemon was away get their exit recorded; the networks of
     * those that run on are served again, any other sandbox is undone. Then exits are watched for.
     */
    void reconcile(ContainerNetworks networks) {
        for (Container c : index.list()) {
            if (!c.state().running()) {
                continue;
            }
            try {
                transitions.with(c.id(), () -> {
                    reconcile(c);
                    return null;
                });
            } catch (IOException e) {
                LOG.warning("reconciling " + c.id() + ": " + e.getMessage());
            }
        }
        networks.restore(index.list().stream().filter(c -> c.state().running()).map(Container::id).toList());
    }

    private void reconcile(Container c) throws IOException {
        if (runtime.exitCode(runtime.paths(c.id())).isPresent()) {
            exited(c.id());
        } else if (!Files.isDirectory(runtime.paths(c.id()).bundle()) || !Files.exists(Path.of("/proc/" + c.state().pid()))) {
            // gone without an exit file: the host rebooted (the runroot is empty), or the runroot was removed
            // under a running container, or its process was killed with its monitor. In the last two cases
            // processes may live on, out of reach: they are killed, never left to run beside a second instance.
            List<ProcessHandle> left = runtime.leftovers(c.id());
            if (!left.isEmpty()) {
                LOG.warning("container " + c.id() + ": its runtime state is gone but " + left.size()
                        + " of its processes live on; killing them");
                left.forEach(ProcessHandle::destroyForcibly);
                awaitGone(left);
            }
            String error = left.isEmpty() ? "" : "its runtime state was lost while it ran: its processes were killed";
            index.update(c.id(), s -> s.withState(s.state().exited(255, Instant.now().toString(), false).withError(error)));
            teardown.afterRun(c.id());
        } else {
            Optional<ProcessHandle> watched = runtime.monitor(c.id());
            if (watched.isPresent()) {
                monitor.watchMonitor(c.id(), watched.get());
            } else {
                settle(c.id());     // its monitor died while the daemon was away
            }
        }
    }

    private static void awaitGone(List<ProcessHandle> processes) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        monitor.close();
    }
}
