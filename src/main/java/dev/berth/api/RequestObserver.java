package dev.berth.api;

import dev.berth.system.BuildInfo;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/** First handler of every request: Docker's common headers, the request log line and the metrics. */
final class RequestObserver implements Handler<RoutingContext> {

    private static final Logger LOG = Logger.getLogger("dev.berth.api.requests");
    private static final String START_KEY = "berth.start";
    private static final String LINE_KEY = "berth.requestLine";
    private static final String SERVER = "Berth/" + BuildInfo.CURRENT.version() + " (linux)";

    private final MeterRegistry registry;

    RequestObserver(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void handle(RoutingContext ctx) {
        // A rerouted request passes here again: headers handlers are reset by the reroute, the end handler is not.
        if (ctx.get(START_KEY) == null) {
            ctx.put(START_KEY, System.nanoTime());
            ctx.put(LINE_KEY, ctx.request().method() + " " + ctx.request().uri());
            ctx.addEndHandler(ar -> record(ctx));
        }
        ctx.addHeadersEndHandler(v -> ctx.response().headers()
                .set("Api-Version", ApiVersion.MAX.toString())
                .set("Server", SERVER));
        ctx.next();
    }

    private void record(RoutingContext ctx) {
        long nanos = System.nanoTime() - (long) ctx.get(START_KEY);
        String route = ctx.get(RouteTable.ROUTE_KEY) != null ? ctx.get(RouteTable.ROUTE_KEY) : "unmatched";
        int status = ctx.response().getStatusCode();
        Timer.builder("berth.api.requests")
                .description("API requests by route and status")
                .tag("route", route)
                .tag("status", Integer.toString(status))
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofNanos(nanos));
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine(String.format("%s %d %.1fms", ctx.<String>get(LINE_KEY), status, nanos / 1e6));
        }
    }
}
