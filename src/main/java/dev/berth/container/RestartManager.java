package dev.berth.container;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Restart policies: a container whose policy wants it back waits out dockerd's back-off, shown as
 * restarting, then starts again under its transition lock; a stop, kill, start or removal meanwhile
 * calls the restart off.
 */
final class RestartManager {

    private static final Logger LOG = Logger.getLogger(RestartManager.class.getName());

    /** Starts a container again by its policy (its restart count goes up); called holding its transition lock. */
    @FunctionalInterface
    interface Relaunch {
        void relaunch(String id) throws IOException;
    }

    private final ContainerRegistry registry;
    private final TransitionLocks transitions;
    private final Relaunch relaunch;
    private final Map<String, Thread> pending = new LinkedHashMap<>();     // guarded by this
    private final Map<String, Duration> delays = new ConcurrentHashMap<>();

    RestartManager(ContainerRegistry registry, TransitionLocks transitions, Relaunch relaunch) {
        this.registry = registry;
        this.transitions = transitions;
        this.relaunch = relaunch;
    }

    /** Brings the container back after its back-off; it shows as restarting meanwhile. */
    void schedule(String id) {
        Container c = registry.find(id);
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
        registry.update(id, x -> x.withState(x.state().restarting(true)));
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
                Container c = registry.find(id);
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
        Container c = registry.find(id);
        if (c != null && c.state().restarting()) {
            registry.update(id, x -> x.withState(x.state().restarting(false)));
        }
    }

    /** A start by hand or a removal: the back-off begins afresh. */
    void reset(String id) {
        delays.remove(id);
    }

    /**
     * At start-up, after the reconciling: containers whose policy wants them running (after a host reboot,
     * or one that was restarting when the daemon went) start again, {@code always} even when stopped by hand.
     */
    void atDaemonStart() {
        for (Container c : registry.list()) {
            ContainerState s = c.state();
            boolean down = s.status().equals("exited") || s.restarting();
            if (down && !s.startedAt().equals(ContainerState.ZERO_TIME)
                    && RestartPolicy.of(c.hostConfig()).restarts(s.exitCode(), c.restartCount(), s.manuallyStopped(), true)) {
                schedule(c.id());
            } else if (s.restarting()) {
                registry.update(c.id(), x -> x.withState(x.state().restarting(false)));  // no longer wanted back: exited
            }
        }
    }
}
