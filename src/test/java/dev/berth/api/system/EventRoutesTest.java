package dev.berth.api.system;

import dev.berth.api.RouteHarness;
import dev.berth.events.Event;
import dev.berth.events.EventFeed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The events route over a fake feed: the history between since and until, filtered, in Docker's shape. */
class EventRoutesTest {

    private static final long T0 = 1_700_000_000_000_000_000L;
    private final List<String> asked = new ArrayList<>();
    private final List<Event> recorded = List.of(
            new Event("container", "start", "c1", Map.of("name", "web", "image", "busybox"), T0 + 1),
            new Event("network", "connect", "n1", Map.of("container", "c1"), T0 + 2),
            new Event("container", "die", "c1", Map.of("name", "web", "exitCode", "3"), T0 + 3));

    private final EventFeed feed = new EventFeed() {
        @Override
        public Subscription subscribe(Predicate<Event> which) {
            return new Subscription() {
                @Override
                public Event next(long timeout, TimeUnit unit) {
                    return null;
                }

                @Override
                public void close() {
                    asked.add("closed");
                }
            };
        }

        @Override
        public List<Event> history(long sinceNano, long untilNano, Predicate<Event> which) {
            asked.add("history " + (sinceNano - T0) + ".." + (untilNano - T0));
            return recorded.stream().filter(e -> e.timeNano() >= sinceNano && e.timeNano() <= untilNano).filter(which).toList();
        }
    };

    private final RouteHarness api = RouteHarness.serve(new EventRoutes(feed));

    @AfterEach
    void close() throws Exception {
        api.close();
    }

    @Test
    void theHistoryBetweenSinceAndUntilComesFilteredInDockersShape() throws Exception {
        RouteHarness.Reply r = api.get("/v1.41/events?since=1700000000.000000000&until=1700000000.000000003"
                + "&filters=%7B%22type%22%3A%5B%22container%22%5D%7D");
        assertEquals(200, r.status(), r.body());
        List<String> lines = r.body().lines().toList();
        assertEquals(2, lines.size(), r.body());
        assertTrue(lines.get(0).contains("\"status\":\"start\"") && lines.get(0).contains("\"from\":\"busybox\""), lines.get(0));
        assertTrue(lines.get(1).contains("\"Action\":\"die\"") && lines.get(1).contains("\"exitCode\":\"3\""), lines.get(1));
        assertTrue(lines.get(1).contains("\"timeNano\":" + (T0 + 3)), lines.get(1));
        assertEquals(List.of("history 0..3", "closed"), asked, "the live feed is let go once until has passed");
    }

    @Test
    void aBadFilterIsA400BeforeAnyStream() throws Exception {
        RouteHarness.Reply r = api.get("/events?filters=%7B%22colour%22%3A%5B%22x%22%5D%7D");
        assertEquals(400, r.status(), r.body());
        assertTrue(r.message().contains("colour"), r.message());
        assertEquals(List.of(), asked);
    }
}
