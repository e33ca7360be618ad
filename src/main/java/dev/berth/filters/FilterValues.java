package dev.berth.filters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;

import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Values of Docker's list and prune filters that images and containers share: labels and times. */
public final class FilterValues {

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|h|m|s)");   // longest unit first: 500ms is not 500m

    private FilterValues() {}

    /** {@code label=key} or {@code label=key=value} against an object of labels (an image config's). */
    public static boolean hasLabel(JsonNode labels, String filter) {
        java.util.Map<String, String> map = new java.util.HashMap<>();
        labels.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return hasLabel(map, filter);
    }

    /** {@code label=key} or {@code label=key=value} against labels. */
    public static boolean hasLabel(java.util.Map<String, String> labels, String filter) {
        int eq = filter.indexOf('=');
        String key = eq < 0 ? filter : filter.substring(0, eq);
        if (!labels.containsKey(key)) {
            return false;
        }
        return eq < 0 || String.valueOf(labels.get(key)).equals(filter.substring(eq + 1));
    }

    /** Whether the text is a Go duration ({@code 10m}, {@code 1h30m}, {@code 500ms}). */
    public static boolean isGoDuration(String v) {
        return v.matches("(\\d+(\\.\\d+)?(ns|us|µs|ms|h|m|s))+");
    }

    /** A Go duration's length; the caller has checked it with {@link #isGoDuration}. */
    public static Duration goDuration(String v) {
        Duration d = Duration.ZERO;
        Matcher m = GO_DURATION.matcher(v);
        while (m.find()) {
            double n = Double.parseDouble(m.group(1));
            d = d.plusNanos((long) (n * switch (m.group(2)) {
                case "h" -> 3.6e12;
                case "m" -> 6e10;
                case "s" -> 1e9;
                case "ms" -> 1e6;
                case "us", "µs" -> 1e3;
                default -> 1;
            }));
        }
        return d;
    }

    /** A point in time as {@code until} gives it: Unix seconds, RFC 3339, or a Go duration before now ({@code 10m}, {@code 1h30m}). */
    public static Instant time(String v, String filter) {
        try {
            if (v.matches("\\d+(\\.\\d+)?")) {
                return Instant.ofEpochSecond((long) Double.parseDouble(v));
            }
            if (isGoDuration(v)) {
                return Instant.now().minus(goDuration(v));
            }
            return Instant.parse(v);
        } catch (RuntimeException e) {
            throw EngineException.invalid("invalid filter '" + filter + "=" + v + "': expected a timestamp or a duration");
        }
    }
}
