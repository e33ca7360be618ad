package dev.berth.container;

import dev.berth.container.logs.ContainerLogs;
import dev.berth.container.stats.ContainerStats;
import dev.berth.container.stats.ProcessTable;
import dev.berth.container.stats.StatsSample;
import dev.berth.errors.EngineException;
import dev.berth.runtime.AttachSocket;
import dev.berth.runtime.OciRuntime;
import dev.berth.network.ContainerNetworks;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * The {@link ContainerStreams} of containers run by the OCI runtime: stdio through conmon's attach socket,
 * the terminal through its ctl FIFO, processes and usage from the host's view of the container's pids.
 */
public final class RuntimeStreams implements ContainerStreams {

    private final ContainerIndex index;
    private final Waiters waiters;
    private final ContainerEvents events;
    private final OciRuntime runtime;
    private final ContainerNetworks networks;

    RuntimeStreams(ContainerIndex index, Waiters waiters, ContainerEvents events, OciRuntime runtime, ContainerNetworks networks) {
        this.index = index;
        this.waiters = waiters;
        this.events = events;
        this.runtime = runtime;
        this.networks = networks;
    }

    @Override
    public CompletableFuture<AttachSocket> attach(String ref) throws IOException {
        Container c = index.get(ref);
        if (!c.state().running()) {
            CompletableFuture<AttachSocket> waiting = waiters.start(c.id());
            Container now = index.find(c.id());
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

    @Override
    public void resize(String ref, int height, int width) throws IOException {
        Container c = index.get(ref);
        if (!c.state().running()) {
            throw EngineException.conflict("Container " + c.id() + " is not running");
        }
        if (c.tty()) {
            runtime.resize(runtime.paths(c.id()), height, width);
            events.fire(c, c.id(), "resize", Map.of("height", Integer.toString(height), "width", Integer.toString(width)));
        }
    }

    @Override
    public List<List<String>> top(String ref, String psArgs) throws IOException {
        Container c = index.get(ref);
        if (!c.state().running()) {
            throw EngineException.conflict("Container " + c.id() + " is not running");
        }
        List<List<String>> table = ProcessTable.of(runtime.pids(c.id()), psArgs == null || psArgs.isEmpty() ? "-ef" : psArgs);
        events.fire(c, c.id(), "top", Map.of());
        return table;
    }

    /** A reading of the container's resource usage; zeroes while it is not running. */
    private StatsSample sample(String ref) {
        Container c = index.get(ref);
        StatsSample s = ContainerStats.sample(c.state().running() ? c.state().pid() : 0);
        return s.of("/" + c.name(), c.id(), c.state().running() && networks.sandbox(c.id()).isPresent()
                ? ContainerStats.networks(c.state().pid(), ContainerStats.Host.REAL) : null);
    }

    @Override
    public void stats(String ref, StatsMode mode, StatsSink sink) throws IOException, InterruptedException {
        String id = index.get(ref).id();
        StatsSample previous = null;
        if (mode == StatsMode.ONE) {
            previous = sample(id);
            Thread.sleep(1000);
        }
        do {
            StatsSample now;
            try {
                now = sample(id);
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

    @Override
    public void logs(String id, ContainerLogs.Options options, boolean tty, OutputStream out, BooleanSupplier live) throws IOException {
        ContainerLogs.write(runtime.paths(id).log(), options, tty, out, live);
    }

    @Override
    public void logs(String id, ContainerLogs.Options options, boolean tty, OutputStream out) throws IOException {
        logs(id, options, tty, out, () -> running(id));
    }

    @Override
    public void detached(String id) {
        Container c = index.find(id);
        if (c != null && c.state().running()) {
            events.fire(c, id, "detach", Map.of());
        }
    }

    private boolean running(String id) {
        Container c = index.find(id);
        return c != null && c.state().running();
    }
}
