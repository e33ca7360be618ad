package dev.berth.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.errors.EngineException;
import dev.berth.monitor.OciRuntime;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code HostConfig.LogConfig}: the drivers users name, all kept by conmon's log file: {@code json-file}
 * (the default) and {@code local} (what {@code docker logs} reads), and {@code none} (no log). Options
 * are checked as dockerd checks them; an unknown driver or option is a 400. {@code max-size} alone cuts
 * the log back (conmon does it); with {@code max-file} above 1 the daemon rotates the files (LogRotator).
 */
final class LogOptions {

    static final String DEFAULT = "json-file";

    private static final Map<String, Set<String>> DRIVER_OPTIONS = Map.of(
            "json-file", Set.of("max-size", "max-file", "compress", "labels", "labels-regex", "env", "env-regex", "tag"),
            "local", Set.of("max-size", "max-file", "compress"),
            "none", Set.of());

    private LogOptions() {}

    /** Fills in the default driver, checks the rest. */
    static void validate(ObjectNode hostConfig) {
        JsonNode lc = hostConfig.path("LogConfig");
        String type = lc.path("Type").asText("");
        if (type.isEmpty()) {
            ObjectNode filled = hostConfig.putObject("LogConfig");
            filled.put("Type", DEFAULT);
            filled.set("Config", lc.path("Config").isObject() ? lc.get("Config") : filled.objectNode());
            lc = filled;
            type = DEFAULT;
        } else if (!lc.path("Config").isObject()) {
            ((ObjectNode) lc).putObject("Config");
        }
        Set<String> known = DRIVER_OPTIONS.get(type);
        if (known == null) {
            throw EngineException.invalid("logger: no log driver named '" + type + "' is registered (Berth has "
                    + String.join(", ", DRIVER_OPTIONS.keySet().stream().sorted().toList()) + ")");
        }
        for (var option : lc.path("Config").properties()) {
            if (!known.contains(option.getKey())) {
                throw EngineException.invalid("unknown log opt '" + option.getKey() + "' for " + type + " log driver");
            }
        }
        JsonNode maxSize = lc.path("Config").path("max-size");
        if (!maxSize.isMissingNode()) {
            size(maxSize.asText());
        }
        JsonNode maxFile = lc.path("Config").path("max-file");
        if (!maxFile.isMissingNode()) {
            int files;
            try {
                files = Integer.parseInt(maxFile.asText());
            } catch (NumberFormatException e) {
                throw EngineException.invalid("invalid value for max-file: " + maxFile.asText());
            }
            if (files < 1) {
                throw EngineException.invalid("max-file cannot be less than 1");
            }
            if (maxSize.isMissingNode() || size(maxSize.asText()) < 0) {
                throw EngineException.invalid("max-file can only be used together with max-size");
            }
        }
    }

    /** How many files the log keeps ({@code max-file}, default 1), and the size at which it moves on (-1: none). */
    record Rotation(int files, long maxBytes) {
        boolean rotates() {
            return files > 1 && maxBytes > 0;
        }
    }

    static Rotation rotation(JsonNode hostConfig) {
        JsonNode config = hostConfig.path("LogConfig").path("Config");
        return new Rotation(Integer.parseInt(config.path("max-file").asText("1")), size(config.path("max-size").asText("-1")));
    }

    /** What conmon is told to do with the container's output. */
    static OciRuntime.LogPolicy policy(JsonNode hostConfig) {
        JsonNode lc = hostConfig.path("LogConfig");
        if (lc.path("Type").asText(DEFAULT).equals("none")) {
            return new OciRuntime.LogPolicy(false, -1);
        }
        // one file: conmon cuts it back at max-size, as dockerd's max-file 1; more: the daemon rotates them
        Rotation rotation = rotation(hostConfig);
        return new OciRuntime.LogPolicy(true, rotation.rotates() ? -1 : rotation.maxBytes());
    }

    /** Whether {@code docker logs} can read what this container wrote. */
    static boolean readable(JsonNode hostConfig) {
        return !hostConfig.path("LogConfig").path("Type").asText(DEFAULT).equals("none");
    }

    /** dockerd's sizes: a number with an optional k, m or g (powers of 1024); -1 is no limit. */
    static long size(String text) {
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
