package dev.berth.api.system;

import dev.berth.api.ApiRouter;
import dev.berth.api.RouteTable;
import dev.berth.api.BlockingIo;
import dev.berth.api.Json;
import dev.berth.api.QueryParams;
import dev.berth.events.Event;
import dev.berth.events.EventFilter;
import dev.berth.events.EventFeed;
import dev.berth.filters.FilterValues;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code GET /events}: the recorded events from {@code since}, then live ones, one JSON object per line
 * and per flush, until {@code until} (or until the client leaves).
 */
public final class EventRoutes implements ApiRouter.Group {

    private final EventFeed events;

    public EventRoutes(EventFeed events) {
        this.events = events;
    }

    @Override
    public void register(RouteTable routes) {
        routes.get("/events", this::events);
    }

    private void events(RoutingContext ctx) {
        Predicate<Event> which = EventFilter.of(QueryParams.filters(ctx, EventFilter.KEYS));
        Long since = nanos(ctx, "since");
        Long until = nanos(ctx, "until");
        ctx.response().setChunked(true).putHeader("Content-Type", "application/json").setStatusCode(200).writeHead();
        BlockingIo.respond(ctx, () -> {
            stream(ctx, which, since != null ? since : until != null ? 0L : null, until == null ? Long.MAX_VALUE : until);
            return null;
        }, v -> ctx.response().end());
    }

    private void stream(RoutingContext ctx, Predicate<Event> which, Long since, long until) throws IOException, InterruptedException {
        // subscribed before the history is read: nothing falls between the two
        try (EventFeed.Subscription live = events.subscribe(which); OutputStream out = BlockingIo.responseBody(ctx)) {
            long last = 0;
            if (since != null) {
                for (Event e : events.history(since, until, which)) {
                    write(out, e);
                    last = e.timeNano();
                }
                out.flush();
            }
            while (nowNano() < until) {
                Event e = live.next(Math.min(1000, Math.max(1, (until - nowNano()) / 1_000_000)), TimeUnit.MILLISECONDS);
                if (e == null) {
                    out.flush();    // nothing to send: a client that left is noticed here
                    continue;
                }
                if (e.timeNano() > until) {
                    break;
                }
                if (e.timeNano() > last) {
                    write(out, e);
                    out.flush();
                }
            }
        }
    }

    private static long nowNano() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** {@code since}/{@code until}: Unix seconds (with a fraction), RFC 3339, or a Go duration back from now. */
    private static Long nanos(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.matches("\\d+\\.\\d{1,9}")) {
            String[] p = v.split("\\.");
            return Long.parseLong(p[0]) * 1_000_000_000L + Long.parseLong((p[1] + "000000000").substring(0, 9));
        }
        Instant t = FilterValues.time(v, name);
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static void write(OutputStream out, Event e) throws IOException {
        out.write(Json.encode(message(e)).appendString("\n").getBytes());
    }

    /** Docker's shape, with the legacy {@code status}, {@code id} and {@code from} of container and image events. */
    static Map<String, Object> message(Event e) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (e.type().equals("container") || e.type().equals("image")) {
            m.put("status", e.action());
            m.put("id", e.id());
            if (e.attributes().containsKey("image") && e.type().equals("container")) {
                m.put("from", e.attributes().get("image"));
            }
        }
        m.put("Type", e.type());
        m.put("Action", e.action());
        m.put("Actor", Map.of("ID", e.id(), "Attributes", e.attributes()));
        m.put("scope", "local");
        m.put("time", e.timeNano() / 1_000_000_000L);
        m.put("timeNano", e.timeNano());
        return m;
    }
}
