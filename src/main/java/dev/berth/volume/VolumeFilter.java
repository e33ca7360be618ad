package dev.berth.volume;

import dev.berth.errors.EngineException;
import dev.berth.filters.FilterValues;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Docker's volume filters: {@code dangling}, {@code driver}, {@code label}, {@code name} for a list;
 * {@code label}, {@code label!} and {@code all} for a prune, which from API 1.42 on takes only
 * anonymous volumes unless {@code all=true}.
 */
public final class VolumeFilter {

    public static final List<String> KEYS = List.of("dangling", "driver", "label", "name");
    public static final List<String> PRUNE_KEYS = List.of("label", "label!", "all");

    private VolumeFilter() {}

    public static Predicate<Volume> of(Map<String, List<String>> filters, Volumes volumes) {
        Predicate<Volume> p = v -> true;
        for (var e : filters.entrySet()) {
            List<String> values = e.getValue();
            Predicate<Volume> one = switch (e.getKey()) {
                case "driver" -> v -> values.contains(v.driver());
                case "name" -> {
                    List<Pattern> patterns = values.stream().map(VolumeFilter::pattern).toList();
                    yield v -> patterns.stream().anyMatch(x -> x.matcher(v.name()).find());    // dockerd matches a name as a regexp
                }
                case "label" -> v -> values.stream().allMatch(l -> FilterValues.hasLabel(v.labels(), l));
                case "label!" -> v -> values.stream().noneMatch(l -> FilterValues.hasLabel(v.labels(), l));
                case "dangling" -> {
                    boolean want = bool(values, "dangling");
                    yield v -> volumes.usersOf(v.name()).isEmpty() == want;
                }
                case "all" -> v -> true;
                default -> throw EngineException.invalid("invalid filter '" + e.getKey() + "'");
            };
            p = p.and(one);
        }
        return p;
    }

    /** The prune filter: {@code all} checked, and without {@code all=true} (or before API 1.42) only anonymous volumes. */
    public static Predicate<Volume> prune(Map<String, List<String>> filters, Volumes volumes, boolean oldApi) {
        List<String> all = filters.getOrDefault("all", List.of());
        if (all.size() > 1) {
            throw EngineException.invalid("invalid filter 'all=" + all + "': only one value is expected");
        }
        boolean everything = oldApi || (!all.isEmpty() && bool(all, "all"));
        Predicate<Volume> p = of(filters, volumes);
        return everything ? p : p.and(Volume::anonymous);
    }

    private static boolean bool(List<String> values, String filter) {
        String v = values.getFirst();
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "1", "t", "true" -> true;
            case "0", "f", "false" -> false;
            default -> throw EngineException.invalid("invalid filter '" + filter + "': invalid value '" + v + "'");
        };
    }

    private static Pattern pattern(String v) {
        try {
            return Pattern.compile(v);
        } catch (PatternSyntaxException e) {
            throw EngineException.invalid("invalid filter 'name=" + v + "': " + e.getDescription());
        }
    }
}
