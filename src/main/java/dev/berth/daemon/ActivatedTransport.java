package dev.berth.daemon;

import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.vertx.core.impl.transports.EpollTransport;
import io.vertx.core.transport.Transport;

import java.net.SocketAddress;

/**
 * Vert.x's epoll transport, able to serve on a listening socket inherited from systemd. Vert.x only
 * knows how to bind a new socket, so an inherited one is named by a pseudo path ({@link #addressOf});
 * when Vert.x converts that address to bind it, the next server channel is built around the inherited
 * fd instead, already listening, and the bind is answered as done without touching the socket.
 */
final class ActivatedTransport implements Transport {

    private static final String PREFIX = "/proc/self/fd/";
    /** Vert.x converts the address and creates the channel in one call on one thread. */
    private static final ThreadLocal<Integer> PENDING_FD = new ThreadLocal<>();

    private final EpollTransport epoll = new EpollTransport() {
        @Override
        public SocketAddress convert(io.vertx.core.net.SocketAddress address) {
            if (address.isDomainSocket() && address.path().startsWith(PREFIX)) {
                PENDING_FD.set(Integer.parseInt(address.path().substring(PREFIX.length())));
            }
            return super.convert(address);
        }

        @Override
        public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
            ChannelFactory<? extends ServerChannel> plain = super.serverChannelFactory(domainSocket);
            return () -> {
                Integer fd = PENDING_FD.get();
                if (fd == null) {
                    return plain.newChannel();
                }
                PENDING_FD.remove();
                EpollServerDomainSocketChannel ch = new EpollServerDomainSocketChannel(fd, true);
                ch.pipeline().addFirst(new AlreadyBound());
                return ch;
            };
        }
    };

    static io.vertx.core.net.SocketAddress addressOf(int fd) {
        return io.vertx.core.net.SocketAddress.domainSocketAddress(PREFIX + fd);
    }

    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public boolean available() {
        return epoll.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
        return epoll.unavailabilityCause();
    }

    @Override
    public io.vertx.core.spi.transport.Transport implementation() {
        return epoll;
    }

    /** The inherited socket is bound and listening already: binding it again would fail with EINVAL. */
    private static final class AlreadyBound extends ChannelOutboundHandlerAdapter {
        @Override
        public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
            ctx.pipeline().remove(this);
            promise.setSuccess();
        }
    }
}
