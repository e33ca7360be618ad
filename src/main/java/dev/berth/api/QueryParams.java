package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Docker's query parameter conventions: booleans as 1/true/True, filters as JSON. */
public final class QueryParams {

    private QueryParams() {}

    public static boolean bool(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        if (v == null || v.isEmpty()) {
            return false;
        }
        return switch (v) {
            case "1", "true", "True", "TRUE", "yes" -> true;
            case "0", "false", "False", "FALSE", "no" -> false;
            default -> throw EngineException.invalid("invalid boolean value for " + name + ": \"" + v + "\"");
        };
    }

    /** An integer parameter, or {@code absent} when it is not given; anything else is a 400 naming it. */
    public static int integer(RoutingContext ctx, String name, int absent) {
        String v = ctx.request().getParam(name);
        if (v == null || v.isEmpty()) {
            return absent;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw EngineException.invalid("invalid value for " + name + ": \"" + v + "\"");
        }
    }

    /**
     * A JSON-object parameter, or null when it is absent, empty or JSON {@code null} (the Go SDK sends
     * {@code null} for a nil map); anything but an object is a 400 naming it.
     */
    public static JsonNode jsonObject(RoutingContext ctx, String name) {
        JsonNode node = json(ctx, name);
        if (node != null && !node.isObject()) {
            throw EngineException.invalid("invalid " + name + ": expected a JSON object");
        }
        return node;
    }

    /** A JSON array of strings ({@code cachefrom=["a","b"]}), empty when absent or {@code null}. */
    public static List<String> jsonStrings(RoutingContext ctx, String name) {
        JsonNode node = json(ctx, name);
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw EngineException.invalid("invalid " + name + ": expected a JSON array of strings");
        }
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode v : node) {
            if (!v.isTextual()) {
                throw EngineException.invalid("invalid " + name + ": expected a JSON array of strings");
            }
            out.add(v.asText());
        }
        return out;
    }

    private static JsonNode json(RoutingContext ctx, String name) {
        String raw = ctx.request().getParam(name);
        if (raw == null || raw.isBlank()) {
            return null;
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(raw);
        } catch (IOException e) {
            throw EngineException.invalid("invalid " + name + ": " + e.getMessage());
        }
        return node == null || node.isNull() ? null : node;
    }

    /** {@code filters={"key":["v1","v2"]}}, or the older {@code {"key":{"v1":true}}} form; unknown keys are refused. */
    public static Map<String, List<String>> filters(RoutingContext ctx, List<String> allowed) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        JsonNode node = jsonObject(ctx, "filters");
        if (node == null) {
            return out;
        }
        for (var it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!allowed.contains(e.getKey())) {
                throw EngineException.invalid("invalid filter '" + e.getKey() + "'");
            }
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(v.asText()));
            } else if (e.getValue().isObject()) {
                e.getValue().fieldNames().forEachRemaining(values::add);
            } else {
                throw EngineException.invalid("invalid filter '" + e.getKey() + "': expected a list of values");
            }
            if (values.isEmpty()) {
                throw EngineException.invalid("invalid filter '" + e.getKey() + "': no value given");
            }
            out.put(e.getKey(), values);
        }
        return out;
    }
}
