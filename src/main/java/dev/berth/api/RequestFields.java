package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;

import java.util.LinkedHashMap;
import java.util.Map;

/** Fields of a request body read with Go's strictness: absent or null is empty, a wrong type is a 400 naming the field. */
public final class RequestFields {

    private RequestFields() {}

    public static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw EngineException.invalid("invalid " + field + ": expected a string");
        }
        return v.asText();
    }

    public static boolean bool(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isMissingNode() && !v.isNull() && !v.isBoolean()) {
            throw EngineException.invalid("invalid " + field + ": expected true or false");
        }
        return v.asBoolean(false);
    }

    public static Map<String, String> strings(JsonNode n, String field) {
        JsonNode v = n.path(field);
        Map<String, String> out = new LinkedHashMap<>();
        if (v.isMissingNode() || v.isNull()) {
            return out;
        }
        if (!v.isObject()) {
            throw EngineException.invalid("invalid " + field + ": expected an object of strings");
        }
        for (var e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw EngineException.invalid("invalid " + field + "." + e.getKey() + ": expected a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
