package dev.berth.daemon;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open API connections, hijacked ones included, and with {@code --time} under socket
 * activation ends the daemon once none has been open for that long (as {@code podman system service}).
 */
final class ConnectionTracker {

    private final Vertx vertx;
    private final Duration idleExit;
    private final Runnable exit;
    private final AtomicInteger open = new AtomicInteger();
    private long timer = -1;

    ConnectionTracker(Vertx vertx, MeterRegistry registry, Duration idleExit, Runnable exit) {
        this.vertx = vertx;
        this.idleExit = idleExit;
        this.exit = exit;
        Gauge.builder("berth.api.connections", open, AtomicInteger::get).description("open API connections").register(registry);
    }

    /** Starts the idle clock: a daemon that nobody talks to after start-up ends too. */
    void start() {
        idle();
    }

    int open() {
        return open.get();
    }

    void opened(Channel channel) {
        open.incrementAndGet();
        synchronized (this) {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
        channel.closeFuture().addListener(f -> {
            if (open.decrementAndGet() == 0) {
                idle();
            }
        });
    }

    private synchronized void idle() {
        if (idleExit == null || timer >= 0) {
            return;
        }
        timer = vertx.setTimer(idleExit.toMillis(), id -> {
            synchronized (this) {
                if (timer != id) {
                    return;
                }
                timer = -1;
            }
            if (open.get() == 0) {
                exit.run();
            }
        });
    }
}
