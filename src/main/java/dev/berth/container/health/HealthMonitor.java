package dev.berth.container.health;

import dev.berth.container.Container;
import dev.berth.container.ContainerEngine;
import dev.berth.container.ContainerState;
import dev.berth.container.DetachKeys;
import dev.berth.container.Health;
import dev.berth.container.config.HealthCheck;
import dev.berth.container.exec.ExecSessions;
import dev.berth.host.ProcessDeadline;
import dev.berth.runtime.AttachSocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Runs containers' health checks on the daemon's own timers: one virtual thread per running container
 * with a check, each probe an exec session whose output (stdout and stderr, at most 4 KiB as dockerd
 * keeps) and exit code go into State.Health. A probe that outlives its timeout is killed and counts as
 * failed with exit code -1.
 */
public final class HealthMonitor {

    private static final Logger LOG = Logger.getLogger(HealthMonitor.class.getName());
    private static final int MAX_OUTPUT = 4096;

    private final ContainerEngine engine;
    private final ExecSessions execs;
    private final Map<String, Thread> probers = new ConcurrentHashMap<>();

    public HealthMonitor(ContainerEngine engine, ExecSessions execs) {
        this.engine = engine;
        this.execs = execs;
        engine.events().listen((id, action) -> {
            switch (action) {
                case "start" -> begin(id);
                case "die", "destroy" -> end(id);
                default -> { }
            }
        });
        // containers that kept running while the daemon was away get their checks back
        engine.list().stream().filter(c -> c.state().running()).forEach(c -> begin(c.id()));
    }

    private void begin(String id) {
        Container c = engine.get(id);
        HealthCheck.of(c.config()).ifPresent(check -> probers.compute(id, (k, old) -> {
            if (old != null) {
                old.interrupt();
            }
            return Thread.ofVirtual().name("health-" + id.substring(0, 12)).start(() -> run(id, check, Instant.parse(
                    c.state().startedAt().equals(ContainerState.ZERO_TIME) ? Instant.now().toString() : c.state().startedAt())));
        }));
    }

    private void end(String id) {
        Thread t = probers.remove(id);
        if (t != null) {
            t.interrupt();
        }
    }

    private void run(String id, HealthCheck check, Instant started) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                boolean inStartPeriod = Instant.now().isBefore(started.plus(check.startPeriod()));
                Thread.sleep(inStartPeriod ? check.startInterval() : check.interval());
                Container c = engine.get(id);
                if (!c.state().running()) {
                    return;
                }
                if (c.state().paused()) {
                    continue;
                }
                Health.Probe probe = onPlatformThread(() -> probe(id, check));
                boolean stillStarting = probe.exitCode() != 0
                        && Instant.parse(probe.start()).isBefore(started.plus(check.startPeriod()));
                engine.recordHealth(id, h -> h.after(probe, check.retries(), stillStarting));
            }
        } catch (InterruptedException e) {
            // the container stopped
        } catch (RuntimeException e) {
            LOG.fine("health check of " + id + " ends: " + e.getMessage());
        } finally {
            probers.remove(id, Thread.currentThread());
        }
    }

    /**
     * Probes read the exec session's socket with blocking native reads, which would pin a virtual thread's
     * carrier (a few slow checks would stall every request): they run on platform threads, made as needed.
     */
    private static final java.util.concurrent.ExecutorService PROBES = java.util.concurrent.Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("health-probe-", 0).factory());

    private static Health.Probe onPlatformThread(java.util.concurrent.Callable<Health.Probe> probe) throws InterruptedException {
        var f = PROBES.submit(probe);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** One probe through an exec session, killed when it outlives the timeout. */
    private Health.Probe probe(String id, HealthCheck check) throws InterruptedException {
        String start = Instant.now().toString();
        ExecSessions.Session session = execs.create(id, new ExecSessions.Config(check.command(), List.of(), "", "", false,
                false, true, true, false, DetachKeys.DEFAULT, null));
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (AttachSocket socket = execs.start(session.id(), true);
             ProcessDeadline deadline = ProcessDeadline.start(execs.get(session.id()).pid(), check.timeout())) {
            for (AttachSocket.Packet p; (p = socket.read(0)) != null; ) {
                output.write(p.bytes(), p.offset(), Math.min(p.length(), Math.max(0, MAX_OUTPUT - output.size())));
            }
            execs.awaitExit(session.id());
            Integer code = execs.get(session.id()).exitCode();
            deadline.close();
            if (deadline.passed()) {
                return new Health.Probe(start, Instant.now().toString(), -1,
                        "Health check exceeded timeout (" + format(check.timeout()) + ")");
            }
            return new Health.Probe(start, Instant.now().toString(), code == null ? -1 : code, output.toString());
        } catch (IOException | RuntimeException e) {
            // a command that cannot run fails the probe with the runtime's reason, as dockerd's does
            return new Health.Probe(start, Instant.now().toString(), -1, String.valueOf(e.getMessage()));
        } finally {
            execs.discard(session.id());
        }
    }

    /** As Go prints a duration: 30s, 1.5s, 500ms. */
    private static String format(Duration d) {
        if (d.toMillis() < 1000) {
            return d.toMillis() + "ms";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : (d.toMillis() / 1000.0) + "s";
    }
}
