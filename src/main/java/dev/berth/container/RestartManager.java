package dev.berth.container;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Restart policies: a container whose policy wants it back waits out dockerd's back-off, shown as
 * restarting and already counted in its RestartCount (as dockerd counts it), then starts again under its
 * transition lock; a stop, kill, start or removal meanwhile calls the restart off. A stop, a SIGKILL or
 * a kill with the container's stop signal calls off the restart after its next exit (dockerd's
 * ExitOnNext): kept in memory only, as dockerd keeps it, so the daemon's start applies the policy afresh.
 */
final class RestartManager {

    private static final Logger LOG = Logger.getLogger(RestartManager.class.getName());

    /** Starts a container again by its policy; called holding its transition lock. */
    @FunctionalInterface
    interface Relaunch {
        void relaunch(String id) throws IOException;
    }

    private final ContainerIndex index;
    private final TransitionLocks transitions;
    private final Relaunch relaunch;
    private final Map<String, Thread> pending = new LinkedHashMap<>();     // guarded by this
    private final Map<String, Duration> delays = new ConcurrentHashMap<>();
    private final Set<String> exitOnNext = ConcurrentHashMap.newKeySet();

    RestartManager(ContainerIndex index, TransitionLocks transitions, Relaunch relaunch) {
        this.index = index;
        this.transitions = transitions;
        this.relaunch = relaunch;
    }

    /** Its next exit is the last one: no policy brings it back until it is started by hand. */
    void exitOnNext(String id) {
        exitOnNext.add(id);
    }

    /** Whether the policy brings back a container that just exited with {@code exitCode}. */
    boolean wantsBack(Container c, int exitCode) {
        return !exitOnNext.contains(c.id())
                && RestartPolicy.of(c.hostConfig()).restarts(exitCode, c.restartCount(), c.state().manuallyStopped(), false);
    }

    /** Brings the container back after its back-off; it shows as restarting meanwhile. */
    void schedule(String id) {
        Container c = index.find(id);
        synchronized (this) {
            if (c == null || pending.containsKey(id)) {
                return;
            }
        }
        Duration ranFor;
        try {
            ranFor = Duration.between(Instant.parse(c.state().startedAt()), Instant.parse(c.state().finishedAt()));
        } catch (RuntimeException e) {
            ranFor = Duration.ZERO;
        }
        Duration delay = RestartPolicy.nextDelay(delays.get(id), ranFor);
        delays.put(id, delay);
        index.update(id, x -> x.withState(x.state().restarting(true)));
        Thread t = Thread.ofVirtual().name("restart-" + id.substring(0, 12)).unstarted(() -> restartAfter(id, delay));
        synchronized (this) {
            pending.put(id, t);
        }
        t.start();
    }

    private void restartAfter(String id, Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException cancelled) {
            return;
        }
        try {
            transitions.with(id, () -> {
                Container c = index.find(id);
                synchronized (this) {
                    // called off (stop, kill, start, remove) while this waited: nothing to do
                    if (!pending.remove(id, Thread.currentThread()) || c == null || !c.state().restarting()) {
                        return null;
                    }
                }
                relaunch.relaunch(id);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            LOG.warning("restarting " + id + " failed: " + e.getMessage());
        }
    }

    /** A pending restart is called off; the container counts as exited. The caller holds its transition lock. */
    void cancel(String id) {
        synchronized (this) {
            Thread t = pending.remove(id);
            if (t != null) {
                t.interrupt();
            }
        }
        Container c = index.find(id);
        if (c != null && c.state().restarting()) {
            index.update(id, x -> x.withState(x.state().restarting(false)));
        }
    }

    /** A start by hand or a removal: the back-off begins afresh, and the policy applies again. */
    void reset(String id) {
        delays.remove(id);
        exitOnNext.remove(id);
    }

    /**
     * At start-up, after the reconciling: containers whose policy wants them running (after a host reboot,
     * or one that was restarting when the daemon went) start again, {@code always} even when stopped by hand.
     */
    void atDaemonStart() {
        for (Container c : index.list()) {
            ContainerState s = c.state();
            boolean down = s.status().equals("exited") || s.restarting();
            if (down && !s.startedAt().equals(ContainerState.ZERO_TIME)
                    && RestartPolicy.of(c.hostConfig()).restarts(s.exitCode(), c.restartCount(), s.manuallyStopped(), true)) {
                schedule(c.id());
            } else if (s.restarting()) {
                index.update(c.id(), x -> x.withState(x.state().restarting(false)));  // no longer wanted back: exited
            }
        }
    }
}
