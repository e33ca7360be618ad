package dev.berth.volume;

import java.util.Map;

/**
 * A volume of the {@code local} driver as the store keeps it. Its files are in {@code _data} under the
 * volume's directory; {@code options} ({@code type}, {@code device}, {@code o}) make that a mount of
 * their own, made while a container uses the volume.
 */
public record Volume(String name, String driver, String createdAt, Map<String, String> labels, Map<String, String> options) {

    /** dockerd's label of the volumes it makes for a container ({@code -v /path}, an image's VOLUME). */
    public static final String ANONYMOUS_LABEL = "com.docker.volume.anonymous";

    public boolean anonymous() {
        return labels.containsKey(ANONYMOUS_LABEL);
    }

    /** Whether its directory is a mount of its own (a tmpfs, a bind, a device). */
    boolean mounted() {
        return !options.isEmpty();
    }
}
