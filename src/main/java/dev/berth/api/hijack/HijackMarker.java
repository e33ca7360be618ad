package dev.berth.api.hijack;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.util.function.Predicate;

/**
 * Sits right after the HTTP decoder of every connection. Docker hijacks {@code POST}s, but Vert.x only
 * turns a {@code CONNECT} or an upgrading {@code GET} into a raw socket, so a POST to a hijack route
 * is handed on as {@code GET + Connection: Upgrade} (client sent {@code Upgrade: tcp}: answer 101) or as
 * {@code CONNECT} (no Upgrade: answer 200). The original method and form travel in {@link #HEADER},
 * and the router routes on the original method again.
 *
 * <p>It also makes the connection half-close aware: the client's {@code shutdown(SHUT_WR)} must not
 * close the socket, and must reach the session after the bytes sent before it, as {@link #INPUT_END}.
 */
public final class HijackMarker extends ChannelInboundHandlerAdapter {

    public static final String NAME = "berth-hijack";
    public static final String HEADER = "X-Berth-Hijack";

    /** Read through the hijacked socket's message queue, after every byte that came before it. */
    public static final Object INPUT_END = new Object() {
        @Override public String toString() { return "INPUT_END"; }
    };

    private final Predicate<String> hijackPath;
    private boolean armed;
    private boolean inputEnded;

    public HijackMarker(Predicate<String> hijackPath) {
        this.hijackPath = hijackPath;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            req.headers().remove(HEADER);
            if (req.method().equals(HttpMethod.POST) && hijackPath.test(pathOf(req.uri()))) {
                boolean upgrade = req.headers().containsValue(HttpHeaderNames.UPGRADE, "tcp", true);
                req.headers().set(HEADER, upgrade ? "upgrade" : "plain");
                if (upgrade) {
                    req.setMethod(HttpMethod.GET);
                    req.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
                } else {
                    req.setMethod(HttpMethod.CONNECT);
                }
                ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            inputEnded = true;
            if (armed) {
                ctx.fireChannelRead(INPUT_END);
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Called on the channel's event loop once the session reads messages; replays an early half-close. */
    void arm(ChannelHandlerContext ctx) {
        armed = true;
        if (inputEnded) {
            ctx.fireChannelRead(INPUT_END);
        }
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
