package dev.berth.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.host.EngineJson;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The daemon's events: handed to live subscribers and kept in a size-capped history under {@code --root}
 * ({@code events/events.log}, one JSON line each, rotated once to {@code events.1.log}), so that
 * {@code docker events --since} answers the same after a restart. dockerd keeps ~256 in memory and
 * loses them when it stops. A subscriber that does not keep up loses events past its queue's bound (with
 * a warning, as dockerd drops them): publishing never waits for a reader and never grows without bound.
 */
public final class EventLog implements EventSink, EventFeed, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventLog.class.getName());
    private static final ObjectMapper JSON = EngineJson.MAPPER;
    /** Events a subscriber may have queued before it loses the next ones. */
    static final int QUEUE = 1024;

    private final Path current;
    private final Path previous;
    private final long maxFileBytes;
    private final List<Live> subscribers = new CopyOnWriteArrayList<>();
    private OutputStream out;
    private long size;
    private long lastNano;

    /** @param maxFileBytes the size at which the history file is rotated (the history keeps up to twice this) */
    public EventLog(Path root, long maxFileBytes) throws IOException {
        Path dir = Files.createDirectories(root.resolve("events"));
        this.current = dir.resolve("events.log");
        this.previous = dir.resolve("events.1.log");
        this.maxFileBytes = maxFileBytes;
        open();
    }

    private void open() throws IOException {
        out = Files.newOutputStream(current, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(current);
    }

    /** A subscriber's feed: a bounded queue, so that a reader that does not keep up loses events, never holds up the daemon. */
    private final class Live implements Subscription {
        private final Predicate<Event> which;
        private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE);
        private volatile boolean warned;

        private Live(Predicate<Event> which) {
            this.which = which;
        }

        @Override
        public Event next(long timeout, TimeUnit unit) throws InterruptedException {
            return queue.poll(timeout, unit);
        }

        private void offer(Event e) {
            if (which.test(e) && !queue.offer(e) && !warned) {
                warned = true;
                LOG.warning("an events reader is not keeping up: events past " + QUEUE + " waiting are dropped for it");
            }
        }

        @Override
        public void close() {
            subscribers.remove(this);
        }
    }

    @Override
    public Subscription subscribe(Predicate<Event> which) {
        Live s = new Live(which);
        subscribers.add(s);
        return s;
    }

    @Override
    public void emit(String type, String action, String id, Map<String, String> attributes) {
        Event e;
        synchronized (this) {
            // strictly increasing, so that a reader can tell the history it read from what came after
            lastNano = Math.max(lastNano + 1, System.currentTimeMillis() * 1_000_000L + System.nanoTime() % 1_000_000L);
            e = new Event(type, action, id, Map.copyOf(attributes), lastNano);
            record(e);
        }
        for (Live s : subscribers) {
            s.offer(e);
        }
    }

    private void record(Event e) {
        try {
            byte[] line = (JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
            if (size + line.length > maxFileBytes) {
                out.close();
                Files.move(current, previous, StandardCopyOption.REPLACE_EXISTING);
                open();
            }
            out.write(line);
            out.flush();
            size += line.length;
        } catch (IOException ex) {
            LOG.warning("recording an event: " + ex.getMessage());     // the live feed still gets it
        }
    }

    @Override
    public List<Event> history(long sinceNano, long untilNano, Predicate<Event> which) throws IOException {
        List<Event> found = new ArrayList<>();
        synchronized (this) {
            for (Path file : List.of(previous, current)) {
                if (!Files.exists(file)) {
                    continue;
                }
                try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        Event e;
                        try {
                            e = JSON.readValue(line, Event.class);
                        } catch (IOException torn) {
                            continue;   // a line a crash cut short
                        }
                        if (e.timeNano() >= sinceNano && e.timeNano() <= untilNano && which.test(e)) {
                            found.add(e);
                        }
                    }
                }
            }
        }
        return found;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
