package dev.berth.api.hijack;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Predicate;

/**
 * Two Netty handlers around Vert.x's HTTP decoder that make Docker's hijack work on Vert.x.
 *
 * <p>Docker hijacks {@code POST}s, but Vert.x only turns a {@code CONNECT} or an upgrading {@code GET}
 * into a raw socket. The marker (after the decoder) hands a POST to a hijack route on as
 * {@code GET + Connection: Upgrade} when the client sent {@code Upgrade: tcp} (answered 101) or as
 * {@code CONNECT} (answered 200); {@link #HEADER} carries the form, and the router routes on POST again.
 *
 * <p>Once such a request is complete, what follows is stream, not HTTP: the gate (before the decoder)
 * holds it, and the marker holds what the decoder had buffered, until the session takes over the socket
 * ({@link #arm}); both are then replayed in order. The client's half-close ({@code shutdown(SHUT_WR)})
 * must not close the socket: half-closure is allowed and the event reaches the session, after the bytes
 * sent before it, as {@link #INPUT_END}.
 *
 * <p>Clients send stream bytes after reading the response head (the docker CLI, docker-py and
 * docker-java all do); bytes and a half-close sent earlier are kept too, except that in the 200 form
 * (no Upgrade header) early bytes holding a line break may be parsed as another request and lost.
 */
public final class HijackPipeline {

    public static final String HEADER = "X-Berth-Hijack";

    /** Read through the hijacked socket's message queue, after every byte that came before it. */
    public static final Object INPUT_END = new Object() {
        @Override public String toString() { return "INPUT_END"; }
    };

    private static final String GATE = "berth-hijack-gate";
    private static final String MARKER = "berth-hijack-marker";
    private static final String ANSWERS = "berth-hijack-answers";

    private final Predicate<String> hijackPath;
    private final ArrayDeque<Object> heldByGate = new ArrayDeque<>();
    private final ArrayDeque<Object> heldByMarker = new ArrayDeque<>();
    private boolean marked;     // a hijack request is being read
    private boolean holding;    // it is complete: what follows is stream, held until armed
    private boolean armed;      // the session reads the socket
    private boolean inputEnded;
    private boolean declining;  // a plain answer to a hijack route is being written

    private HijackPipeline(Predicate<String> hijackPath) {
        this.hijackPath = hijackPath;
    }

    /** Adds the gate and the marker around the connection's HTTP decoder, the answers' watch after its encoder (Vert.x's names). */
    public static void install(ChannelPipeline pipeline, Predicate<String> hijackPath) {
        HijackPipeline p = new HijackPipeline(hijackPath);
        pipeline.addBefore("httpDecoder", GATE, p.new Gate());
        pipeline.addAfter("httpDecoder", MARKER, p.new Marker());
        pipeline.addAfter(pipeline.get("httpEncoder") != null ? "httpEncoder" : MARKER, ANSWERS, p.new Answers());
    }

    /** Called by the session once it reads the socket's messages: replays what was held, in order. */
    static void arm(ChannelPipeline pipeline) {
        ChannelHandlerContext ctx = pipeline.context(MARKER);
        ctx.executor().execute(() -> ((Marker) ctx.handler()).owner().arm(ctx));
    }

    private void arm(ChannelHandlerContext markerCtx) {
        armed = true;
        holding = false;
        if (inputEnded) {
            heldByGate.add(INPUT_END);
        }
        for (ArrayDeque<Object> held : List.of(heldByMarker, heldByGate)) {
            for (Object msg; (msg = held.poll()) != null; ) {
                markerCtx.fireChannelRead(msg);
            }
        }
        markerCtx.fireChannelReadComplete();
    }

    /** A read outside Netty's own read loop must be completed too: Vert.x holds back flushes while a read is open. */
    private static void deliver(ChannelHandlerContext ctx, Object msg) {
        ctx.fireChannelRead(msg);
        ctx.fireChannelReadComplete();
    }

    /**
     * After the client's half-close nothing more is read, so a client that then leaves entirely is only
     * noticed by a write, and a quiet session (a follow of a quiet log, an attach waiting for a start) may
     * write nothing for hours. On a unix socket a full close shows as POLLHUP: looked for every few seconds.
     */
    private static void watchForHangUp(io.netty.channel.Channel channel) {
        if (!(channel instanceof io.netty.channel.unix.UnixChannel unix) || !(channel instanceof io.netty.channel.unix.DomainSocketChannel)) {
            return;
        }
        int fd = unix.fd().intValue();
        var check = channel.eventLoop().scheduleAtFixedRate(() -> {
            if (channel.isOpen() && dev.berth.host.Posix.hungUp(fd)) {
                channel.close();
            }
        }, HANG_UP_CHECK_SECONDS, HANG_UP_CHECK_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        channel.closeFuture().addListener(f -> check.cancel(false));
    }

    private static final int HANG_UP_CHECK_SECONDS = 2;

    private void release() {
        heldByGate.forEach(ReferenceCountUtil::release);
        heldByMarker.forEach(ReferenceCountUtil::release);
        heldByGate.clear();
        heldByMarker.clear();
    }

    private final class Gate extends ChannelDuplexHandler {
        /**
         * Once the input is shut down there is nothing left to read, and a read request (which a paused
         * session's resume makes) would only register read interest in a socket that is readable (at EOF)
         * for ever: it is dropped here.
         */
        @Override
        public void read(ChannelHandlerContext ctx) {
            if (ctx.channel() instanceof DuplexChannel d && d.isInputShutdown()) {
                return;
            }
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (holding) {
                heldByGate.add(msg);
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE && (holding || armed)) {
                // Not for the HTTP decoder: it would flush (and lose) what it buffered.
                inputEnded = true;
                watchForHangUp(ctx.channel());
                if (armed) {
                    deliver(ctx, INPUT_END);
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            release();
            ctx.fireChannelInactive();
        }
    }

    /**
     * A hijack route answered as plain HTTP (an error, a detached exec start, which the Go SDK sends
     * without {@code Upgrade}): the connection stays HTTP, so what was held is handed to the decoder as
     * the next requests of a kept-alive connection.
     */
    private void decline(ChannelHandlerContext markerCtx) {
        marked = false;
        holding = false;
        markerCtx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        heldByMarker.forEach(ReferenceCountUtil::release);
        heldByMarker.clear();
        ChannelHandlerContext gate = markerCtx.pipeline().context(GATE);
        boolean any = !heldByGate.isEmpty();
        for (Object msg; (msg = heldByGate.poll()) != null; ) {
            gate.fireChannelRead(msg);
        }
        if (any) {
            gate.fireChannelReadComplete();
        }
        if (inputEnded) {
            inputEnded = false;
            gate.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }

    private static boolean isStream(HttpResponse response) {
        String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.startsWith("application/vnd.docker.");
    }

    /** Sees the responses before the encoder makes bytes of them: a plain answer to a hijack route declines it. */
    private final class Answers extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            boolean plain = (marked || holding) && !armed && msg instanceof HttpResponse response && !isStream(response);
            declining |= plain;
            ctx.write(msg, promise);
            if (declining && msg instanceof LastHttpContent) {
                declining = false;
                ChannelHandlerContext marker = ctx.pipeline().context(MARKER);
                ctx.executor().execute(() -> decline(marker));
            }
        }
    }

    private final class Marker extends ChannelInboundHandlerAdapter {
        HijackPipeline owner() {
            return HijackPipeline.this;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if ((marked || holding) && !(msg instanceof HttpObject)) {
                // Raw bytes past the request head: the decoder passes on what follows an Upgrade request,
                // and hands over what it buffered when it is removed.
                heldByMarker.add(msg);
                return;
            }
            if (holding) {
                ReferenceCountUtil.release(msg);        // stream bytes the decoder took for a request line
                return;
            }
            if (msg instanceof HttpRequest req) {
                req.headers().remove(HEADER);
                marked = req.method().equals(HttpMethod.POST) && hijackPath.test(pathOf(req.uri()));
                if (marked) {
                    boolean upgrade = req.headers().containsValue(HttpHeaderNames.UPGRADE, "tcp", true);
                    req.headers().set(HEADER, upgrade ? "upgrade" : "plain");
                    if (upgrade) {
                        req.setMethod(HttpMethod.GET);
                        req.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
                    } else {
                        req.setMethod(HttpMethod.CONNECT);
                    }
                    ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                    EpollHalfClosure.keepRegistered(ctx.channel());
                }
            }
            if (marked && msg instanceof LastHttpContent) {
                marked = false;
                holding = true;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE && marked) {
                // Half-closed while the hijack request's body is still coming: it will never be complete.
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
