package dev.berth.store;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one JSON mapper of the engine side: state files, OCI specs and what the runtime prints. (The API
 * has its own, {@code api.Json}, for Docker's wire names and strict request types.) Thread-safe once built.
 */
public final class EngineJson {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private EngineJson() {}
}
