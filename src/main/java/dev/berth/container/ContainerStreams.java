package dev.berth.container;

import dev.berth.container.logs.ContainerLogs;
import dev.berth.container.stats.StatsSample;
import dev.berth.runtime.AttachSocket;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A container's streams as the API reaches them: attach to its stdio, its log, its terminal's size, its
 * processes, its resource usage sampled over time. Blocking: call off the event loop.
 */
public interface ContainerStreams {

    /** What a stats request asks for: a sample a second while it is read, one that has a previous (rates filled), or one at once. */
    enum StatsMode { STREAM, ONE, ONE_SHOT }

    /** Receives each sample with the one taken before it (null for the first): what rates are worked out from. */
    @FunctionalInterface
    interface StatsSink {
        void accept(StatsSample now, StatsSample previous) throws IOException;
    }

    /**
     * Attaches to the container's stdio: at once when it runs, else when it next starts (docker run
     * attaches before it starts the container). Completes with the connected socket.
     */
    CompletableFuture<AttachSocket> attach(String ref) throws IOException;

    /** Resizes a running container's terminal (conmon's ctl FIFO). */
    void resize(String ref, int height, int width) throws IOException;

    /** {@code docker top}: the container's processes as the host's ps shows them, with {@code psArgs} (default -ef). */
    List<List<String>> top(String ref, String psArgs) throws IOException;

    /**
     * Samples the container's usage a second apart ({@code STREAM}, until the sink fails: the client left), once a
     * second after a first ({@code ONE}: what {@code docker stats --no-stream} shows), or once at once. A removed
     * container ends the samples.
     */
    void stats(String ref, StatsMode mode, StatsSink sink) throws IOException, InterruptedException;

    /**
     * Writes the container's log to {@code out} as Docker frames it ({@code tty}: raw), following it while
     * {@code live} holds when the options say so.
     */
    void logs(String id, ContainerLogs.Options options, boolean tty, OutputStream out, BooleanSupplier live) throws IOException;

    /** The same, followed while the container runs. */
    void logs(String id, ContainerLogs.Options options, boolean tty, OutputStream out) throws IOException;

    /** A client left an attach (or detached with its keys): dockerd's detach event, when the container runs on. */
    void detached(String id);
}
