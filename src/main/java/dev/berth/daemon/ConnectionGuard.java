package dev.berth.daemon;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Keeps idle and stalled HTTP connections from holding the daemon's file descriptors: a connection
 * with no request for {@code idle} is closed, and so is one whose request (head or body) makes no
 * progress for {@code read} (slowloris, a Content-Length larger than what is sent). A connection whose
 * response is being produced (logs -f, wait, events) is never idle, and a hijacked or upgraded one is a
 * stream the client owns: neither is timed.
 */
final class ConnectionGuard {

    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());

    private enum Phase { IDLE, READING, ANSWERING, STREAM }

    private final Duration idle;
    private final Duration read;
    private Phase phase = Phase.IDLE;     // the channel's event loop only
    private long since = System.nanoTime();
    private ScheduledFuture<?> check;

    private ConnectionGuard(Duration idle, Duration read) {
        this.idle = idle;
        this.read = read;
    }

    /** Adds the guard's two handlers: one sees raw bytes (before the decoder), one sees HTTP messages. */
    static void install(ChannelPipeline pipeline, Duration idle, Duration read) {
        ConnectionGuard g = new ConnectionGuard(idle, read);
        pipeline.addFirst("berth-guard-bytes", g.new Bytes());
        pipeline.addAfter("httpEncoder", "berth-guard-messages", g.new Messages());
        Channel ch = pipeline.channel();
        long every = Math.max(100, Math.min(idle.toMillis(), read.toMillis()) / 4);
        g.check = ch.eventLoop().scheduleAtFixedRate(() -> g.check(ch), every, every, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> g.check.cancel(false));
    }

    private void to(Phase next) {
        phase = next;
        since = System.nanoTime();
    }

    private void check(Channel ch) {
        long waited = System.nanoTime() - since;
        String why = switch (phase) {
            case IDLE -> waited > idle.toNanos() ? "idle for " + idle.toSeconds() + "s" : null;
            case READING -> waited > read.toNanos() ? "request not received within " + read.toSeconds() + "s" : null;
            case ANSWERING, STREAM -> null;
        };
        if (why != null) {
            LOG.fine(() -> "closing connection " + ch.remoteAddress() + ": " + why);
            check.cancel(false);
            ch.close();
        }
    }

    /** Bytes from the client: a request begins, or makes progress. */
    private final class Bytes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (phase == Phase.IDLE || phase == Phase.READING) {
                to(Phase.READING);      // progress restarts the read clock
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** A whole request makes the connection busy until its response has been written out. */
    private final class Messages extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest req && req.method().equals(HttpMethod.CONNECT)) {
                phase = Phase.STREAM;   // a hijack answered 200 (the marker turned it into CONNECT)
            } else if (msg instanceof LastHttpContent && phase == Phase.READING) {
                to(Phase.ANSWERING);
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpResponse r && r.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                phase = Phase.STREAM;   // a hijack or WebSocket upgrade: a stream from now on
            }
            if (msg instanceof LastHttpContent && phase != Phase.STREAM) {
                promise.addListener(f -> {
                    if (phase == Phase.ANSWERING || phase == Phase.READING) {
                        to(Phase.IDLE);
                    }
                });
            }
            ctx.write(msg, promise);
        }
    }
}
