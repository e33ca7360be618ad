package dev.berth.container;

import dev.berth.filters.FilterValues;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Docker's container list filters: id, name, label, status, exited, ancestor, before, since, health. */
public final class ContainerFilter {

    /** What {@code POST /containers/prune} filters on. */
    public static final List<String> PRUNE_KEYS = List.of("until", "label", "label!");

    public static final List<String> KEYS = List.of("id", "name", "label", "status", "exited", "ancestor", "before", "since", "health");

    private ContainerFilter() {}

    public static Predicate<Container> of(Map<String, List<String>> filters, ContainerLifecycle containers) {
        Predicate<Container> p = c -> true;
        for (var e : filters.entrySet()) {
            List<String> v = e.getValue();
            Predicate<Container> one = switch (e.getKey()) {
                case "id" -> c -> v.stream().anyMatch(x -> c.id().startsWith(x));
                case "name" -> c -> v.stream().anyMatch(x -> c.name().contains(x.startsWith("/") ? x.substring(1) : x));
                case "label" -> c -> v.stream().allMatch(x -> FilterValues.hasLabel(c.config().labels(), x));
                case "label!" -> c -> v.stream().noneMatch(x -> FilterValues.hasLabel(c.config().labels(), x));
                case "until" -> {
                    java.time.Instant t = FilterValues.time(v.getFirst(), "until");
                    yield c -> java.time.Instant.parse(c.created()).isBefore(t);
                }
                case "status" -> c -> v.contains(c.state().status());
                case "exited" -> c -> c.state().status().equals("exited") && v.contains(Integer.toString(c.state().exitCode()));
                case "ancestor" -> c -> v.stream().anyMatch(x -> x.equals(c.image()) || c.imageId().contains(x));
                case "health" -> c -> v.contains(c.state().health() == null ? "none" : c.state().health().status());
                case "before" -> {
                    String created = containers.get(v.getFirst()).created();
                    yield c -> c.created().compareTo(created) < 0;
                }
                case "since" -> {
                    String created = containers.get(v.getFirst()).created();
                    yield c -> c.created().compareTo(created) > 0;
                }
                default -> c -> true;
            };
            p = p.and(one);
        }
        return p;
    }
}
