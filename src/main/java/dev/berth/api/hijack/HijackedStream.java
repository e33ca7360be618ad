package dev.berth.api.hijack;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.RoutingContext;

/**
 * A hijacked connection: the raw, full-duplex byte stream that attach and exec-start hand to the
 * container. Bytes the client sends arrive at {@link #handler}; its half-close arrives, after them, at
 * {@link #inputEndHandler} while the stream stays writable; {@link #closeHandler} fires when the
 * connection is gone. Output goes through {@link #writeStream()}.
 */
public final class HijackedStream {

    public static final String RAW = "application/vnd.docker.raw-stream";
    public static final String MULTIPLEXED = "application/vnd.docker.multiplexed-stream";

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(HijackedStream.class.getName());

    private final NetSocketInternal socket;
    private Handler<Buffer> dataHandler;
    private Handler<Void> inputEndHandler;

    private HijackedStream(NetSocketInternal socket) {
        this.socket = socket;
    }

    /** Whether the router marked this request as a hijack of a {@code POST} (see {@link HijackPipeline}). */
    public static boolean isHijack(RoutingContext ctx) {
        return ctx.request().headers().contains(HijackPipeline.HEADER);
    }

    /**
     * Answers the request with 101 (client asked for {@code Upgrade: tcp}) or 200, then hands over the
     * socket. Everything that can fail must have failed before this, as a normal JSON error.
     */
    public static Future<HijackedStream> open(RoutingContext ctx, String contentType) {
        if (!isHijack(ctx)) {
            return Future.failedFuture(new IllegalStateException("not a hijack request"));
        }
        var response = ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType);
        if ("upgrade".equals(ctx.request().getHeader(HijackPipeline.HEADER))) {
            // Vert.x writes the reason phrase "Switching Protocols", not dockerd's "UPGRADED": clients check the code only.
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE)
                    .putHeader(HttpHeaders.UPGRADE, "tcp");
        }
        return ctx.request().toNetSocket().map(s -> {
            NetSocketInternal socket = (NetSocketInternal) s;
            HijackedStream stream = new HijackedStream(socket);
            socket.messageHandler(stream::onMessage);
            socket.exceptionHandler(t -> LOG.log(java.util.logging.Level.FINE, "hijacked connection: " + t, t));
            HijackPipeline.arm(socket.channelHandlerContext().pipeline());
            return stream;
        });
    }

    private void onMessage(Object msg) {
        if (msg == HijackPipeline.INPUT_END) {
            if (inputEndHandler != null) {
                inputEndHandler.handle(null);
            }
        } else if (msg instanceof ByteBuf buf) {
            // safeBuffer copies out of the pooled buffer and releases it, so handlers may keep the bytes
            Buffer b = BufferInternal.safeBuffer(buf);
            if (dataHandler != null) {
                dataHandler.handle(b);
            }
        } else if (msg instanceof Buffer b && dataHandler != null) {
            // bytes that arrived before the handover were queued as Buffers already
            dataHandler.handle(b);
        }
    }

    public HijackedStream handler(Handler<Buffer> handler) {
        this.dataHandler = handler;
        return this;
    }

    public HijackedStream inputEndHandler(Handler<Void> handler) {
        this.inputEndHandler = handler;
        return this;
    }

    public HijackedStream closeHandler(Handler<Void> handler) {
        socket.closeHandler(handler);
        return this;
    }

    /** The client's side for output: writes may come from any thread. */
    public WriteStream<Buffer> writeStream() {
        return socket;
    }

    public HijackedStream pause() {
        socket.pause();
        return this;
    }

    public HijackedStream resume() {
        socket.resume();
        return this;
    }

    public Future<Void> close() {
        return socket.close();
    }
}
