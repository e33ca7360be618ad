package dev.berth.api.container;

import dev.berth.api.StreamOutput;
import dev.berth.api.hijack.HijackedStream;
import dev.berth.container.DetachKeys;
import dev.berth.container.logs.ContainerLogs;
import dev.berth.runtime.AttachSocket;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.WriteStream;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * Relays one attach or exec session between a client (hijacked connection or WebSocket) and a container's stdio.
 * Output comes from an {@link Output} (conmon's attach socket, or the log for {@code logs=1}) and goes
 * out as Docker's 8-byte-header frames, or raw with a TTY; client bytes go to the container's stdin,
 * watched for the detach keys when there is a TTY (as dockerd does). The client's half-close either
 * closes the container's stdin while output keeps flowing, or ends the session (see {@link Session}).
 * Both directions wait for the slower side: the client is paused while stdin is written, and output
 * waits while the client's connection is backed up.
 */
public final class AttachRelay {

    private static final Logger LOG = Logger.getLogger(AttachRelay.class.getName());

    /** Where the session's output comes from; returns when there is no more (the process ended). */
    @FunctionalInterface
    public interface Output {
        void pump(StreamOutput out) throws IOException;
    }

    /** Runs once output has ended, before the client's connection closes (exec: wait for the exit code). */
    @FunctionalInterface
    public interface Finish {
        void run() throws IOException;
    }

    /**
     * What the client asked for. {@code stdin} null: its input is ignored. {@code closeStdinAtEnd}: the
     * client's end of input is the process's (StdinOnce, exec); otherwise, as with dockerd, it ends the
     * session and the process keeps its stdin. A terminal's stdin is never closed by a client.
     */
    public record Session(boolean tty, AttachSocket stdin, DetachKeys detachKeys, boolean closeStdinAtEnd) {}

    /** The client's connection: a hijacked HTTP connection or a WebSocket. */
    public interface Client {
        void handler(Handler<Buffer> handler);

        /** The client's half-close (never for a WebSocket). */
        void inputEndHandler(Handler<Void> handler);

        void closeHandler(Handler<Void> handler);

        WriteStream<Buffer> writeStream();

        void pause();

        void resume();

        void close();

        static Client of(HijackedStream s) {
            return new Client() {
                public void handler(Handler<Buffer> h) { s.handler(h); }
                public void inputEndHandler(Handler<Void> h) { s.inputEndHandler(h); }
                public void closeHandler(Handler<Void> h) { s.closeHandler(h); }
                public WriteStream<Buffer> writeStream() { return s.writeStream(); }
                public void pause() { s.pause(); }
                public void resume() { s.resume(); }
                public void close() { s.close(); }
            };
        }

        /** Messages in are stdin; output goes out as binary messages. */
        static Client of(ServerWebSocket ws) {
            return new Client() {
                public void handler(Handler<Buffer> h) { ws.handler(h); }
                public void inputEndHandler(Handler<Void> h) { }
                public void closeHandler(Handler<Void> h) { ws.closeHandler(h); }
                public WriteStream<Buffer> writeStream() { return ws; }
                public void pause() { ws.pause(); }
                public void resume() { ws.resume(); }
                public void close() { ws.close(); }
            };
        }
    }

    private final Client client;
    private final Context context;
    private final Session session;
    private final StreamOutput out;
    private final DetachKeys.Scanner detach;
    private final ExecutorService stdinWriter = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("attach-stdin").factory());
    private boolean inputEnded;     // event loop only
    private volatile boolean outputEnded;

    private AttachRelay(Client client, Context context, Session session) {
        this.client = client;
        this.context = context;
        this.session = session;
        this.out = new StreamOutput(client.writeStream());
        this.detach = session.tty() && session.stdin() != null ? session.detachKeys().scanner() : null;
    }

    /** Starts relaying on a thread of its own; everything ends when the output ends or the client goes away. */
    public static void start(Client client, Context context, Session session, Output output, Finish finish,
                             java.util.function.Consumer<Boolean> closed) {
        AttachRelay r = new AttachRelay(client, context, session);
        if (session.stdin() != null) {
            client.handler(r::toContainer);
            client.inputEndHandler(v -> r.inputEnded());
        } else {
            client.handler(b -> { });
        }
        client.closeHandler(v -> {
            r.out.fail(new IOException("the client went away"));
            r.stdinWriter.shutdown();
            closed.accept(!r.outputEnded);     // true: the client left (or detached) while output still ran
        });
        Thread.ofPlatform().daemon().name("attach-output").start(() -> r.relayOutput(output, finish));
    }

    /** Output packets as the session wants them: framed without a TTY, selected streams only. */
    public static Output fromSocket(AttachSocket socket, boolean tty, boolean stdout, boolean stderr) {
        return out -> {
            for (AttachSocket.Packet p; (p = socket.read(ContainerLogs.FRAME_HEADER)) != null; ) {
                int stream = p.stream() == AttachSocket.STDERR ? 2 : 1;
                if ((stream == 1 && !stdout) || (stream == 2 && !stderr) || p.length() == 0) {
                    continue;
                }
                byte[] b = p.bytes();
                if (tty) {
                    out.send(BufferInternal.buffer(Unpooled.wrappedBuffer(b, p.offset(), p.length())));
                } else {
                    ContainerLogs.frameHeader(b, stream, p.length());
                    out.send(Buffer.buffer(b));
                }
            }
        };
    }

    private void relayOutput(Output output, Finish finish) {
        try {
            output.pump(out);
            finish.run();
        } catch (IOException | RuntimeException e) {
            LOG.log(java.util.logging.Level.FINE, "attach output: " + e.getMessage(), e);
        } finally {
            outputEnded = true;
            stdinWriter.shutdown();
            context.runOnContext(v -> client.close());
        }
    }

    private void toContainer(Buffer data) {
        byte[] bytes = data.getBytes();
        if (detach != null) {
            bytes = detach.filter(bytes);
        }
        byte[] toWrite = bytes;
        boolean detaching = detach != null && detach.detached();
        client.pause();
        onStdinThread(() -> {
            try {
                session.stdin().writeStdin(toWrite, 0, toWrite.length);
            } catch (IOException e) {
                LOG.fine("stdin: " + e.getMessage());
            }
            context.runOnContext(v -> {
                if (detaching) {
                    LOG.fine("detach keys: ending the session, the container runs on");
                    client.close();
                } else if (!inputEnded) {
                    client.resume();
                }
            });
        });
    }

    /** Stdin work in order on the session's writer thread; dropped once the session is over. */
    private void onStdinThread(Runnable work) {
        try {
            stdinWriter.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException over) {
            LOG.fine("stdin after the session ended: dropped");
        }
    }

    private void inputEnded() {
        inputEnded = true;
        if (session.tty() || !session.closeStdinAtEnd()) {
            client.close();
            return;
        }
        LOG.fine("client closed its side: closing the container's stdin");
        onStdinThread(() -> {
            try {
                session.stdin().closeStdin();
            } catch (IOException e) {
                LOG.fine("closing stdin: " + e.getMessage());
            }
        });
    }
}
