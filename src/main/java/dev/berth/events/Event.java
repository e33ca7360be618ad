package dev.berth.events;

import java.util.Map;

/**
 * Something that happened to an object of the daemon, as Docker reports it: its type (container, image,
 * volume, network, daemon), the action (create, start, die, ...), the object's id and attributes (a
 * container's name, image and labels; an exit code, a signal).
 */
public record Event(String type, String action, String id, Map<String, String> attributes, long timeNano) {}
