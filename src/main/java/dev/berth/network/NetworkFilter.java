package dev.berth.network;

import dev.berth.errors.EngineException;
import dev.berth.filters.FilterValues;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Docker's network filters: driver, id, label, name, scope, type (custom or builtin), dangling; prune takes label and until. */
public final class NetworkFilter {

    public static final List<String> KEYS = List.of("driver", "id", "label", "name", "scope", "type", "dangling");
    public static final List<String> PRUNE_KEYS = List.of("label", "until");

    private NetworkFilter() {}

    public static Predicate<Network> of(Map<String, List<String>> filters, Networks networks) {
        Predicate<Network> p = n -> true;
        for (var e : filters.entrySet()) {
            List<String> values = e.getValue();
            Predicate<Network> one = switch (e.getKey()) {
                case "driver" -> n -> values.contains(n.driver());
                case "id" -> n -> values.stream().anyMatch(v -> n.id().startsWith(v));
                case "name" -> n -> values.stream().anyMatch(v -> n.name().contains(v));    // dockerd matches names as substrings
                case "label" -> n -> values.stream().allMatch(v -> FilterValues.hasLabel(n.labels(), v));
                case "scope" -> n -> values.contains("local");
                case "type" -> {
                    for (String v : values) {
                        if (!v.equals("custom") && !v.equals("builtin")) {
                            throw EngineException.invalid("invalid filter: 'type'='" + v + "'");
                        }
                    }
                    yield n -> values.contains(n.predefined() ? "builtin" : "custom");
                }
                case "dangling" -> {
                    boolean want = values.stream().allMatch(v -> v.equalsIgnoreCase("true") || v.equals("1"));
                    yield n -> !n.predefined() && networks.endpoints(n.id()).isEmpty() == want;
                }
                case "until" -> {
                    Instant t = FilterValues.time(values.getFirst(), "until");
                    yield n -> Instant.parse(n.created()).isBefore(t);
                }
                default -> throw EngineException.invalid("invalid filter '" + e.getKey() + "'");
            };
            p = p.and(one);
        }
        return p;
    }
}
