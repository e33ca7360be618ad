package dev.berth.container;

import dev.berth.errors.EngineException;
import dev.berth.monitor.AttachSocket;
import dev.berth.monitor.OciRuntime;
import dev.berth.network.ContainerNetworks;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A running container's streams and views: attach to its stdio, resize its terminal, its processes, its resource usage. */
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
}
