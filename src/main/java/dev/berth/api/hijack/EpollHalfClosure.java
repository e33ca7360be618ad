package dev.berth.api.hijack;

import io.netty.channel.Channel;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoOps;

import java.lang.reflect.Field;
import java.util.logging.Logger;

/**
 * Works around a Netty 4.2 epoll bug (seen in 4.2.17 and 4.2.20) that breaks half-closed connections.
 * When a channel's interest set becomes empty, Netty removes the fd from epoll ({@code EPOLL_CTL_DEL})
 * but keeps the registration marked as added, so the next interest is an {@code EPOLL_CTL_MOD} that fails
 * with ENOENT and closes the connection. The set becomes empty exactly when the client has half-closed
 * (no more read interest) and no write is pending; the next write that meets a full socket buffer (a
 * slow client reading a container's output after sending its stdin) then kills the session.
 *
 * <p>The fix wraps the channel's registration so that an empty interest set is registered as
 * {@code EPOLLET} alone: the fd stays in epoll, asking for nothing (a hang-up is reported once, edge
 * triggered, and the next write notices it).
 */
final class EpollHalfClosure {

    private static final Logger LOG = Logger.getLogger(EpollHalfClosure.class.getName());
    private static final Field REGISTRATION = registrationField();

    private EpollHalfClosure() {}

    /** Call on the channel's event loop, before its input can be shut down. */
    static void keepRegistered(Channel channel) {
        if (REGISTRATION == null || !REGISTRATION.getDeclaringClass().isInstance(channel)) {
            return;
        }
        try {
            IoRegistration current = (IoRegistration) REGISTRATION.get(channel);
            if (current != null && !(current instanceof KeepRegistered)) {
                REGISTRATION.set(channel, new KeepRegistered(current));
            }
        } catch (IllegalAccessException e) {
            LOG.fine("cannot keep the hijacked connection registered: " + e);
        }
    }

    private static Field registrationField() {
        try {
            Field f = Class.forName("io.netty.channel.epoll.AbstractEpollChannel").getDeclaredField("registration");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.fine("Netty's epoll registration is not reachable (" + e + "): half-closed connections are not patched");
            return null;
        }
    }

    private record KeepRegistered(IoRegistration delegate) implements IoRegistration {
        @Override
        public <T> T attachment() {
            return delegate.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            return delegate.submit(EpollIoOps.NONE.equals(ops) ? EpollIoOps.EPOLLET : ops);
        }

        @Override
        public boolean isValid() {
            return delegate.isValid();
        }

        @Override
        public boolean cancel() {
            return delegate.cancel();
        }
    }
}
