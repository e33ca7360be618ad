package dev.berth.container;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Docker's container list filters: id, name, label, status, exited, ancestor, before, since. */
public final class ContainerFilter {

    public static final List<String> KEYS = List.of("id", "name", "label", "status", "exited", "ancestor", "before", "since");

    private ContainerFilter() {}

    public static Predicate<Container> of(Map<String, List<String>> filters, ContainerEngine engine) {
        Predicate<Container> p = c -> true;
        for (var e : filters.entrySet()) {
            List<String> v = e.getValue();
            Predicate<Container> one = switch (e.getKey()) {
                case "id" -> c -> v.stream().anyMatch(x -> c.id().startsWith(x));
                case "name" -> c -> v.stream().anyMatch(x -> c.name().contains(x.startsWith("/") ? x.substring(1) : x));
                case "label" -> c -> v.stream().allMatch(x -> {
                    String[] kv = x.split("=", 2);
                    var labels = c.config().path("Labels");
                    return labels.has(kv[0]) && (kv.length == 1 || labels.get(kv[0]).asText().equals(kv[1]));
                });
                case "status" -> c -> v.contains(c.state().status());
                case "exited" -> c -> c.state().status().equals("exited") && v.contains(Integer.toString(c.state().exitCode()));
                case "ancestor" -> c -> v.stream().anyMatch(x -> x.equals(c.image()) || c.imageId().contains(x));
                case "before" -> {
                    String created = engine.get(v.getFirst()).created();
                    yield c -> c.created().compareTo(created) < 0;
                }
                case "since" -> {
                    String created = engine.get(v.getFirst()).created();
                    yield c -> c.created().compareTo(created) > 0;
                }
                default -> c -> true;
            };
            p = p.and(one);
        }
        return p;
    }
}
