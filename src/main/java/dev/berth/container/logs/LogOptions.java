package dev.berth.container.logs;

import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;
import dev.berth.runtime.OciRuntime;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code HostConfig.LogConfig}: the drivers users name, all kept by conmon's log file: {@code json-file}
 * (the default) and {@code local} (what {@code docker logs} reads), and {@code none} (no log). Options
 * are checked as dockerd checks them; an unknown driver or option is a 400. {@code max-size} alone cuts
 * the log back (conmon does it); with {@code max-file} above 1 the daemon rotates the files (LogRotator).
 */
public final class LogOptions {

    public static final String DEFAULT = "json-file";

    private static final Map<String, Set<String>> DRIVER_OPTIONS = Map.of(
            "json-file", Set.of("max-size", "max-file", "compress", "labels", "labels-regex", "env", "env-regex", "tag"),
            "local", Set.of("max-size", "max-file", "compress"),
            "none", Set.of());

    private LogOptions() {}

    /** The LogConfig with the default driver filled in, checked. */
    public static HostConfig.LogConfig validate(HostConfig.LogConfig given) {
        HostConfig.LogConfig lc = given.type().isEmpty() ? new HostConfig.LogConfig(DEFAULT, given.config()) : given;
        String type = lc.type();
        Set<String> known = DRIVER_OPTIONS.get(type);
        if (known == null) {
            throw EngineException.invalid("logger: no log driver named '" + type + "' is registered");   // dockerd's words, matched by clients
        }
        for (String option : lc.config().keySet()) {
            if (!known.contains(option)) {
                throw EngineException.invalid("unknown log opt '" + option + "' for " + type + " log driver");
            }
        }
        String maxSize = lc.config().get("max-size");
        if (maxSize != null) {
            size(maxSize);
        }
        String maxFile = lc.config().get("max-file");
        if (maxFile != null) {
            int files;
            try {
                files = Integer.parseInt(maxFile);
            } catch (NumberFormatException e) {
                throw EngineException.invalid("invalid value for max-file: " + maxFile);
            }
            if (files < 1) {
                throw EngineException.invalid("max-file cannot be less than 1");
            }
            // without max-size it is taken and changes nothing, as with dockerd's json-file: nothing rotates
        }
        return lc;
    }

    /** How many files the log keeps ({@code max-file}, default 1), and the size at which it moves on (-1: none). */
    public record Rotation(int files, long maxBytes) {
        public boolean rotates() {
            return files > 1 && maxBytes > 0;
        }
    }

    public static Rotation rotation(HostConfig hostConfig) {
        Map<String, String> config = hostConfig.logConfig().config();
        return new Rotation(Integer.parseInt(config.getOrDefault("max-file", "1")), size(config.getOrDefault("max-size", "-1")));
    }

    /** What conmon is told to do with the container's output. */
    public static OciRuntime.LogPolicy policy(HostConfig hostConfig) {
        if (!readable(hostConfig)) {
            return new OciRuntime.LogPolicy(false, -1);
        }
        // one file: conmon cuts it back at max-size, as dockerd's max-file 1; more: the daemon rotates them
        Rotation rotation = rotation(hostConfig);
        return new OciRuntime.LogPolicy(true, rotation.rotates() ? -1 : rotation.maxBytes());
    }

    /** Whether {@code docker logs} can read what this container wrote. */
    public static boolean readable(HostConfig hostConfig) {
        return !hostConfig.logConfig().type().equals("none");
    }

    /** dockerd's sizes: a number with an optional k, m or g (powers of 1024); -1 is no limit. */
    public static long size(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("-1")) {
            return -1;
        }
        var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmg]?)b?").matcher(t);
        if (!m.matches()) {
            throw EngineException.invalid("invalid value for max-size: " + text);
        }
        long unit = switch (m.group(2)) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            default -> 1;
        };
        long bytes = (long) (Double.parseDouble(m.group(1)) * unit);
        if (bytes <= 0) {
            throw EngineException.invalid("invalid value for max-size: " + text);
        }
        return bytes;
    }
}
