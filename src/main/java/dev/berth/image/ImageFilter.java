package dev.berth.image;

import dev.berth.errors.EngineException;
import dev.berth.filters.FilterValues;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Docker's image filters: reference (globs), dangling, label, before, since, until. */
public final class ImageFilter {

    public static final List<String> KEYS = List.of("reference", "dangling", "label", "before", "since", "until");

    private ImageFilter() {}

    public static Predicate<Image> of(Map<String, List<String>> filters, Images store) {
        Predicate<Image> p = i -> true;
        for (var e : filters.entrySet()) {
            List<String> values = e.getValue();
            Predicate<Image> one = switch (e.getKey()) {
                case "reference" -> i -> values.stream().anyMatch(v -> matchesReference(i, v));
                case "dangling" -> {
                    boolean want = values.stream().allMatch(v -> v.equalsIgnoreCase("true") || v.equals("1"));
                    yield i -> i.dangling() == want;
                }
                case "label" -> i -> values.stream().allMatch(v -> FilterValues.hasLabel(i.config().labels(), v));
                case "before" -> {
                    Instant t = store.get(values.getFirst()).config().created();
                    yield i -> i.config().created().isBefore(t);
                }
                case "since" -> {
                    Instant t = store.get(values.getFirst()).config().created();
                    yield i -> i.config().created().isAfter(t);
                }
                case "until" -> {
                    Instant t = FilterValues.time(values.getFirst(), "until");
                    yield i -> i.config().created().isBefore(t);
                }
                default -> throw EngineException.invalid("invalid filter '" + e.getKey() + "'");
            };
            p = p.and(one);
        }
        return p;
    }

    private static boolean matchesReference(Image i, String pattern) {
        return i.tags().stream().anyMatch(referenceMatcher(List.of(pattern)));
    }

    /** The image as a list with these filters shows it: with a reference filter, only its references that match (as dockerd's). */
    public static Image shownReferences(Image i, Map<String, List<String>> filters) {
        List<String> patterns = filters.getOrDefault("reference", List.of());
        if (patterns.isEmpty()) {
            return i;
        }
        Predicate<ImageReference> m = referenceMatcher(patterns);
        return new Image(i.config(), i.tags().stream().filter(m).toList(), i.repoDigests().stream().filter(m).toList(), i.size(),
                i.lastTagged(), i.parent(), i.hasChildren());
    }

    private static Predicate<ImageReference> referenceMatcher(List<String> patterns) {
        List<Pattern> globs = patterns.stream().map(ImageFilter::glob).toList();
        return t -> globs.stream().anyMatch(glob -> glob.matcher(t.familiar()).matches()
                || glob.matcher(t.familiarRepository()).matches() || glob.matcher(t.toString()).matches());
    }

    /** Go's path.Match: {@code *} and {@code ?} do not cross a slash. */
    private static Pattern glob(String pattern) {
        StringBuilder sb = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> sb.append("[^/]*");
                case '?' -> sb.append("[^/]");
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString());
    }
}
