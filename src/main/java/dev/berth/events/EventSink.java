package dev.berth.events;

import java.util.Map;

/** Where the engines report what happens, for {@code docker events}. */
@FunctionalInterface
public interface EventSink {

    /** Drops everything: for engines used without a daemon (tests, tools). */
    EventSink NONE = (type, action, id, attributes) -> { };

    void emit(String type, String action, String id, Map<String, String> attributes);
}
