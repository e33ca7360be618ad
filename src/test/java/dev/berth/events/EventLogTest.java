package dev.berth.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event history (kept across restarts, size-capped), live subscriptions with their bound, and Docker's filters. */
class EventLogTest {

    @TempDir
    Path root;

    @Test
    void theHistoryOutlivesTheLogAndStaysWithinTwiceItsFileSize() throws Exception {
        try (EventLog log = new EventLog(root, 4096)) {
            for (int i = 0; i < 500; i++) {
                log.emit("container", "start", "c" + i, Map.of("name", "n" + i));
            }
        }
        try (EventLog again = new EventLog(root, 4096)) {
            List<Event> all = again.history(0, Long.MAX_VALUE, e -> true);
            assertTrue(all.size() > 10 && all.size() < 100, "rotated: " + all.size());
            assertEquals("c499", all.getLast().id());
            for (int i = 1; i < all.size(); i++) {
                assertTrue(all.get(i).timeNano() > all.get(i - 1).timeNano(), "strictly increasing times");
            }
            long middle = all.get(all.size() / 2).timeNano();
            assertEquals(all.size() - all.size() / 2, again.history(middle, Long.MAX_VALUE, e -> true).size());
            assertEquals(1, again.history(0, Long.MAX_VALUE, EventFilter.of(Map.of("container", List.of("n499")))).size());
        }
        assertTrue(Files.size(root.resolve("events/events.log")) <= 4096);
    }

    @Test
    void aSubscriberThatDoesNotReadLosesEventsPastItsBoundAndHoldsUpNoOne() throws Exception {
        try (EventLog log = new EventLog(root, 1 << 20); EventFeed.Subscription slow = log.subscribe(e -> true);
             EventFeed.Subscription picky = log.subscribe(EventFilter.of(Map.of("event", List.of("die"))))) {
            for (int i = 0; i < EventLog.QUEUE * 3; i++) {
                log.emit("container", i % 2 == 0 ? "start" : "die", "c", Map.of());
            }
            int got = 0;
            while (slow.next(0, TimeUnit.MILLISECONDS) != null) {
                got++;
            }
            assertEquals(EventLog.QUEUE, got);
            Event first = picky.next(0, TimeUnit.MILLISECONDS);
            assertEquals("die", first.action());
            slow.close();
            log.emit("container", "destroy", "c", Map.of());
            assertNull(slow.next(0, TimeUnit.MILLISECONDS), "a closed subscription gets nothing");
        }
    }

    @Test
    void filtersCombineAsDockerdCombinesThem() {
        Event die = new Event("container", "die", "abcdef0123456789", Map.of("name", "web", "image", "busybox:latest", "exitCode", "3",
                "tier", "front"), 1);
        Event health = new Event("container", "health_status: healthy", "abcdef0123456789", Map.of("name", "web"), 2);
        Event connect = new Event("network", "connect", "net1", Map.of("name", "app", "container", "abcdef0123456789"), 3);
        assertTrue(EventFilter.of(Map.of("container", List.of("web"), "event", List.of("die", "start"))).test(die));
        assertTrue(EventFilter.of(Map.of("container", List.of("abcdef012345"))).test(die));
        assertTrue(EventFilter.of(Map.of("image", List.of("busybox"))).test(die));
        assertTrue(EventFilter.of(Map.of("label", List.of("tier=front"))).test(die));
        assertTrue(EventFilter.of(Map.of("event", List.of("health_status"))).test(health));
        assertTrue(EventFilter.of(Map.of("container", List.of("abcdef0123456789"))).test(connect), "a network event names its container");
        assertTrue(EventFilter.of(Map.of("network", List.of("app"))).test(connect));
        assertTrue(!EventFilter.of(Map.of("type", List.of("network"))).test(die));
        assertTrue(!EventFilter.of(Map.of("container", List.of("web"), "event", List.of("start"))).test(die));
    }
}
