package dev.berth.container;

import dev.berth.container.logs.ContainerLogs;
import dev.berth.container.stats.ContainerStats;
import dev.berth.container.stats.ProcessTable;
import dev.berth.container.stats.StatsSample;
import dev.berth.errors.EngineException;
import dev.berth.monitor.AttachSocket;
import dev.berth.monitor.OciRuntime;
import dev.berth.network.ContainerNetworks;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A container's streams and views: attach to its stdio, its log, resize its terminal, its processes, its
 * resource usage sampled over time.
 */
public final class ContainerStreams {

    private final ContainerRegistry registry;
    private final Waiters waiters;
    private final ContainerEvents events;
    private final OciRuntime runtime;
    private final ContainerNetworks networks;

    ContainerStreams(ContainerRegistry registry, Waiters waiters, ContainerEvents events, OciRuntime runtime, ContainerNetworks networks) {
        this.registry = registry;
        this.waiters = waiters;
        this.events = events;
        this.runtime = runtime;
        this.networks = networks;
    }

    /**
     * Attaches to the container's stdio: at once when it runs, else when it next starts (docker run
     * attaches before it starts the container). Completes with the connected socket.
     */
    public CompletableFuture<AttachSocket> attach(String ref) throws IOException {
        Container c = registry.get(ref);
        if (!c.state().running()) {
            CompletableFuture<AttachSocket> waiting = waiters.start(c.id());
            Container now = registry.find(c.id());
            if (now == null) {
                waiting.cancel(false);
                throw EngineException.notFound("No such container: " + ref);
            }
            if (!now.state().running()) {
                events.fire(now, now.id(), "attach", Map.of());
                return waiting;
            }
            waiting.cancel(false);      // it started meanwhile
        }
        AttachSocket socket = AttachSocket.connect(runtime.paths(c.id()).attachSocket());
        events.fire(c, c.id(), "attach", Map.of());
        return CompletableFuture.completedFuture(socket);
    }

    /** Connects the attaches that wait for this start; before the process starts, so that it loses no output. */
    void connectWaiting(String id) {
        for (var f : waiters.started(id)) {
            if (f.isCancelled()) {
                continue;
            }
            try {
                f.complete(AttachSocket.connect(runtime.paths(id).attachSocket()));
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        }
    }

    /** Resizes a running container's terminal (conmon's ctl FIFO). */
    public void resize(String ref, int height, int width) throws IOException {
        Container c = registry.get(ref);
        if (!c.state().running()) {
            throw EngineException.conflict("Container " + c.id() + " is not running");
        }
        if (c.tty()) {
            runtime.resize(runtime.paths(c.id()), height, width);
            events.fire(c, c.id(), "resize", Map.of("height", Integer.toString(height), "width", Integer.toString(width)));
        }
    }

    /** {@code docker top}: the container's processes as the host's ps shows them, with {@code psArgs} (default -ef). */
    public List<List<String>> top(String ref, String psArgs) throws IOException {
        Container c = registry.get(ref);
        if (!c.state().running()) {
            throw EngineException.conflict("Container " + c.id() + " is not running");
        }
        List<List<String>> table = ProcessTable.of(runtime.pids(c.id()), psArgs == null || psArgs.isEmpty() ? "-ef" : psArgs);
        events.fire(c, c.id(), "top", Map.of());
        return table;
    }

    /** A reading of the container's resource usage ({@code GET /containers/{id}/stats}); zeroes while it is not running. */
    public StatsSample stats(String ref) {
        Container c = registry.get(ref);
        StatsSample s = ContainerStats.sample(c.state().running() ? c.state().pid() : 0);
        return s.of("/" + c.name(), c.id(), c.state().running() && networks.sandbox(c.id()).isPresent()
                ? ContainerStats.networks(c.state().pid(), ContainerStats.Host.REAL) : null);
    }

    /** What a stats request asks for: a sample a second while it is read, one that has a previous (rates filled), or one at once. */
    public enum StatsMode { STREAM, ONE, ONE_SHOT }

    /** Receives each sample with the one taken before it (null for the first): what rates are worked out from. */
    @FunctionalInterface
    public interface StatsSink {
        void accept(StatsSample now, StatsSample previous) throws IOException;
    }

    /**
     * Samples the container's usage a second apart ({@code STREAM}, until the sink fails: the client left), once a
     * second after a first ({@code ONE}: what {@code docker stats --no-stream} shows), or once at once. A removed
     * container ends the samples.
     */
    public void stats(String ref, StatsMode mode, StatsSink sink) throws IOException, InterruptedException {
        String id = registry.get(ref).id();
        StatsSample previous = null;
        if (mode == StatsMode.ONE) {
            previous = stats(id);
            Thread.sleep(1000);
        }
        do {
            StatsSample now;
            try {
                now = stats(id);
            } catch (EngineException removed) {
                return;
            }
            sink.accept(now, previous);
            previous = now;
            if (mode == StatsMode.STREAM) {
                Thread.sleep(1000);
            }
        } while (mode == StatsMode.STREAM);
    }

    /**
     * Writes the container's log to {@code out} as Docker frames it ({@code tty}: raw), following it while
     * {@code live} holds when the options say so.
     */
    public void logs(String id, ContainerLogs.Options options, boolean tty, OutputStream out, BooleanSupplier live) throws IOException {
        ContainerLogs.write(runtime.paths(id).log(), options, tty, out, live);
    }

    /** The same, followed while the container runs. */
    public void logs(String id, ContainerLogs.Options options, boolean tty, OutputStream out) throws IOException {
        logs(id, options, tty, out, () -> running(id));
    }

    /** A client left an attach (or detached with its keys): dockerd's detach event, when the container runs on. */
    public void detached(String id) {
        Container c = registry.find(id);
        if (c != null && c.state().running()) {
            events.fire(c, id, "detach", Map.of());
        }
    }

    private boolean running(String id) {
        Container c = registry.find(id);
        return c != null && c.state().running();
    }
}
