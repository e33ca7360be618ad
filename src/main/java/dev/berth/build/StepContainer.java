package dev.berth.build;

import dev.berth.container.ContainerLifecycle;
import dev.berth.container.ContainerStreams;
import dev.berth.container.logs.ContainerLogs;
import dev.berth.errors.EngineException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A RUN step's container as it runs: started, its output streamed to the build's client as it comes (stderr
 * in red, as dockerd's classic builder shows it), its exit awaited; killed when that client goes away.
 */
final class StepContainer {

    private final ContainerLifecycle containers;
    private final ContainerStreams streams;

    StepContainer(ContainerLifecycle containers, ContainerStreams streams) {
        this.containers = containers;
        this.streams = streams;
    }

    /**
     * Starts the created container and answers its exit code once it ended. When the client goes meanwhile, it is
     * killed, {@code cancelled} runs and the build fails.
     */
    int run(String id, Builds.Output out, boolean quiet, Runnable cancelled) throws IOException {
        containers.start(id);
        if (!quiet) {
            try (OutputStream stream = new StepOutput(out)) {
                streams.logs(id, new ContainerLogs.Options(true, true, false, -1, null, null, true),
                        false, stream, () -> running(id) && !out.clientGone());     // a gone client is noticed below
            }
        }
        CompletableFuture<Integer> exit = containers.waitFor(id, ContainerLifecycle.WaitCondition.NOT_RUNNING);
        try {
            while (true) {
                try {
                    return exit.get(500, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillRunning) {
                    if (out.clientGone()) {
                        containers.kill(id, "KILL");
                        cancelled.run();
                        throw new BuildFailure("the build was stopped: its client went away", 1);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a RUN step", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    private boolean running(String id) {
        try {
            return containers.get(id).state().running();
        } catch (EngineException gone) {
            return false;
        }
    }

    /**
     * A RUN step's output as build stream messages, from the log's multiplexed frames: what the step wrote to
     * stderr comes in red, as dockerd's classic builder colours it ({@code ESC[91m} ... {@code ESC[0m}).
     */
    private static final class StepOutput extends OutputStream {
        private static final int HEADER = 8;
        private final Builds.Output out;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        StepOutput(Builds.Output out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            pending.write(b, off, len);
            byte[] all = pending.toByteArray();
            int at = 0;
            while (all.length - at >= HEADER) {
                int size = ByteBuffer.wrap(all, at + 4, 4).getInt();
                if (all.length - at - HEADER < size) {
                    break;      // the rest of the frame comes with the next write
                }
                String text = new String(all, at + HEADER, size, StandardCharsets.UTF_8);
                out.stream(all[at] == 2 ? "\u001b[91m" + text + "\u001b[0m" : text);
                at += HEADER + size;
            }
            pending.reset();
            pending.write(all, at, all.length - at);
        }
    }
}
