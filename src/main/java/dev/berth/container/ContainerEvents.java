package dev.berth.container;

import dev.berth.container.spec.MountOptions;
import dev.berth.events.EventSink;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A container's events, as Docker reports them (with its name, image and labels), and the daemon's own
 * listeners of its lifecycle (the health monitor hears of starts and deaths here).
 */
public final class ContainerEvents {

    private static final Logger LOG = Logger.getLogger(ContainerEvents.class.getName());

    /** Hears of containers' lifecycle events, as Docker names them: start, die, destroy. */
    public interface Listener {
        void on(String id, String action);
    }

    private final ContainerIndex index;
    private final EventSink sink;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    ContainerEvents(ContainerIndex index, EventSink sink) {
        this.index = index;
        this.sink = sink;
    }

    public void listen(Listener listener) {
        listeners.add(listener);
    }

    /** Reports an event of a container that its callers see through (attach, exec, files). */
    public void report(String ref, String action, Map<String, String> extra) {
        Container c = index.find(index.get(ref).id());
        if (c != null) {
            fire(c, c.id(), action, extra);
        }
    }

    void fire(String id, String action) {
        fire(index.find(id), id, action, Map.of());
    }

    /**
     * Tells the listeners, and reports the event with the container's name, image and labels and
     * {@code extra} ({@code c} null when it is gone: the id alone then).
     */
    void fire(Container c, String id, String action, Map<String, String> extra) {
        Map<String, String> attributes = new LinkedHashMap<>();
        if (c != null) {
            c.config().labels().forEach((k, v) -> attributes.put(k, String.valueOf(v)));
            attributes.put("image", c.image());
            attributes.put("name", c.name());
        }
        attributes.putAll(extra);
        sink.emit("container", action, id, attributes);
        for (Listener l : listeners) {
            try {
                l.on(id, action);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, action + " listener for " + id + ": " + e.getMessage(), e);
            }
        }
    }

    /** A volume event for each volume the container mounts, as dockerd reports them at its start and stop. */
    void volumes(Container c, String action) {
        for (MountOptions.Mount m : c.mounts()) {
            if (m.isVolume()) {
                sink.emit("volume", action, m.source(), action.equals("mount")
                        ? Map.of("container", c.id(), "destination", m.target(), "driver", "local", "propagation", "",
                                "read/write", Boolean.toString(!m.readOnly()))
                        : Map.of("container", c.id(), "driver", "local"));
            }
        }
    }
}
