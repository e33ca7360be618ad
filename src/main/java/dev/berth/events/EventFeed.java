package dev.berth.events;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The daemon's events as {@code docker events} reads them: the recorded history, then a live feed. */
public interface EventFeed {

    /** A live feed of the events a reader chose, from its subscription on; closed by the reader. */
    interface Subscription extends AutoCloseable {
        /** The next event, or null when none came within the timeout. */
        Event next(long timeout, TimeUnit unit) throws InterruptedException;

        @Override
        void close();
    }

    /** A live feed of the events that {@code which} accepts, from now on. */
    Subscription subscribe(Predicate<Event> which);

    /** The recorded events from {@code sinceNano} to {@code untilNano} (inclusive) that {@code which} accepts, oldest first. */
    List<Event> history(long sinceNano, long untilNano, Predicate<Event> which) throws IOException;
}
