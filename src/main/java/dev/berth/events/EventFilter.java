package dev.berth.events;

import dev.berth.errors.EngineException;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Docker's event filters: {@code container}, {@code event}, {@code image}, {@code label}, {@code type},
 * {@code volume}, {@code network}, {@code daemon}, {@code scope}. Values of one key are alternatives,
 * different keys must all match, as dockerd combines them.
 */
public final class EventFilter {

    public static final List<String> KEYS = List.of("container", "event", "image", "label", "type", "volume", "network", "daemon",
            "scope", "plugin", "service", "node", "secret", "config");

    private EventFilter() {}

    public static Predicate<Event> of(Map<String, List<String>> filters) {
        Predicate<Event> p = e -> true;
        for (var f : filters.entrySet()) {
            List<String> values = f.getValue();
            Predicate<Event> one = switch (f.getKey()) {
                case "type" -> e -> values.contains(e.type());
                case "event" -> e -> values.stream().anyMatch(v -> e.action().equals(v) || e.action().startsWith(v + ":"));
                case "container" -> e -> values.stream().anyMatch(v -> (e.type().equals("container") && named(e, v))
                        || v.equals(e.attributes().get("container")));
                case "image" -> e -> values.stream().anyMatch(v -> (e.type().equals("image") && named(e, v)) || image(e.attributes().get("image"), v));
                case "volume" -> e -> e.type().equals("volume") && values.stream().anyMatch(v -> named(e, v));
                case "network" -> e -> e.type().equals("network") && values.stream().anyMatch(v -> named(e, v));
                case "daemon" -> e -> e.type().equals("daemon") && values.stream().anyMatch(v -> named(e, v));
                case "label" -> e -> values.stream().allMatch(v -> label(e, v));
                case "scope" -> e -> values.contains("local");
                case "plugin", "service", "node", "secret", "config" -> e -> values.isEmpty();    // none on this daemon
                default -> throw EngineException.invalid("invalid filter '" + f.getKey() + "'");
            };
            p = p.and(one);
        }
        return p;
    }

    /** By full id, id prefix (12 or more, as the CLI shortens them) or name. */
    private static boolean named(Event e, String v) {
        return e.id().equals(v) || (v.length() >= 12 && e.id().startsWith(v)) || v.equals(e.attributes().get("name"));
    }

    private static boolean image(String image, String v) {
        return image != null && (image.equals(v) || (!v.contains(":") && image.startsWith(v + ":")));
    }

    private static boolean label(Event e, String v) {
        int eq = v.indexOf('=');
        String key = eq < 0 ? v : v.substring(0, eq);
        String value = e.attributes().get(key);
        return value != null && (eq < 0 || value.equals(v.substring(eq + 1)));
    }
}
