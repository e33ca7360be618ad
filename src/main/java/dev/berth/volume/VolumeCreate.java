package dev.berth.volume;

import java.util.Map;

/** A request for a volume: an empty name asks for an anonymous one, an empty driver for {@code local}. */
public record VolumeCreate(String name, String driver, Map<String, String> options, Map<String, String> labels) {

    public static VolumeCreate named(String name) {
        return new VolumeCreate(name, "", Map.of(), Map.of());
    }
}
