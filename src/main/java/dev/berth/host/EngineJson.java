package dev.berth.host;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one JSON mapper of the engine side: state files, OCI specs and what the runtime prints. (The API
 * has its own, {@code api.Json}, for Docker's wire names and strict request types.) Thread-safe once built.
 */
public final class EngineJson {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private EngineJson() {}

    /**
     * Whether a field of a Go client's request carries a value: Go sends zero values for what was not given
     * (0, "", false, null, {"Name":"","MaximumRetryCount":0}), and dockerd reads those as "unchanged".
     */
    public static boolean isSet(com.fasterxml.jackson.databind.JsonNode v) {
        if (v.isObject()) {
            for (var f : v.properties()) {
                if (isSet(f.getValue())) {
                    return true;
                }
            }
            return false;
        }
        return v.isNumber() ? v.asLong() != 0 : v.isArray() ? !v.isEmpty() : v.isBoolean() ? v.asBoolean() : !v.asText("").isEmpty();
    }
}
