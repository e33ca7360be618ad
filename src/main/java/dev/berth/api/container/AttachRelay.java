package dev.berth.api.container;

import dev.berth.api.hijack.HijackedStream;
import dev.berth.monitor.AttachSocket;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * Relays between a hijacked client connection and conmon's attach socket: output packets become
 * Docker's 8-byte-header frames (raw bytes with a TTY), client bytes become the container's stdin, and
 * the client's half-close closes that stdin. Both directions wait for the slower side.
 */
final class AttachRelay {

    private static final Logger LOG = Logger.getLogger(AttachRelay.class.getName());

    private final HijackedStream client;
    private final AttachSocket container;
    private final Context context;
    private final boolean tty;
    private final boolean stdout;
    private final boolean stderr;
    private volatile boolean clientGone;
    private volatile CompletableFuture<Void> pendingSend;
    private boolean inputEnded;     // event loop only
    private final ExecutorService stdinWriter = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().factory());

    private AttachRelay(HijackedStream client, AttachSocket container, Context context, boolean tty, boolean stdout, boolean stderr) {
        this.client = client;
        this.container = container;
        this.context = context;
        this.tty = tty;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts relaying; everything ends when the container's side hangs up or the client goes away. */
    static void start(HijackedStream client, AttachSocket container, Context context, boolean tty, boolean stdin,
                      boolean stdout, boolean stderr) {
        AttachRelay r = new AttachRelay(client, container, context, tty, stdout, stderr);
        if (stdin) {
            client.handler(r::toContainer);
            client.inputEndHandler(v -> {
                LOG.fine("client closed its side: closing the container's stdin");
                r.inputEnded = true;
                r.stdinWriter.execute(() -> {
                    try {
                        container.closeStdin();
                    } catch (IOException e) {
                        LOG.fine("closing stdin: " + e.getMessage());
                    }
                });
            });
        } else {
            client.handler(b -> { });
        }
        client.closeHandler(v -> {
            r.clientGone = true;
            CompletableFuture<Void> pending = r.pendingSend;
            if (pending != null) {
                pending.completeExceptionally(new IOException("the client went away"));
            }
            container.close();      // the client is gone; the container runs on
            r.stdinWriter.shutdown();
        });
        Thread.ofPlatform().daemon().name("attach-relay").start(r::fromContainer);
    }

    private void toContainer(Buffer data) {
        if (stdinWriter.isShutdown()) {
            return;     // the session is over; what the client still sent has nowhere to go
        }
        client.pause();
        stdinWriter.execute(() -> {
            try {
                byte[] bytes = data.getBytes();
                container.writeStdin(bytes, 0, bytes.length);
            } catch (IOException e) {
                LOG.fine("stdin: " + e.getMessage());
            }
            // after the client's half-close there is nothing more to read: toggling reads then upsets epoll
            context.runOnContext(v -> {
                if (!inputEnded) {
                    client.resume();
                }
            });
        });
    }

    private void fromContainer() {
        try {
            for (AttachSocket.Output out; (out = container.read()) != null; ) {
                int stream = out.stream() == AttachSocket.STDERR ? 2 : 1;
                if ((stream == 1 && !stdout) || (stream == 2 && !stderr)) {
                    continue;
                }
                Buffer frame = Buffer.buffer(out.data().length + 8);
                if (!tty) {
                    frame.appendByte((byte) stream).appendBytes(new byte[3]).appendInt(out.data().length);
                }
                frame.appendBytes(out.data());
                send(frame).join();
            }
        } catch (IOException | RuntimeException e) {
            LOG.fine("attach output: " + e.getMessage());
        } finally {
            container.close();
            stdinWriter.shutdown();
            context.runOnContext(v -> client.close());
        }
    }

    /** Completes once the frame is queued and the client's queue has room again. */
    private CompletableFuture<Void> send(Buffer frame) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        if (clientGone) {
            ready.completeExceptionally(new IOException("the client went away"));
            return ready;
        }
        pendingSend = ready;
        context.runOnContext(v -> {
            client.write(frame).onFailure(ready::completeExceptionally);
            if (client.writeQueueFull()) {
                client.drainHandler(x -> ready.complete(null));
            } else {
                ready.complete(null);
            }
        });
        return ready;
    }
}
