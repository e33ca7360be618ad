package dev.berth.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.errors.EngineException;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * An image's OCI/Docker config blob ({@code application/vnd.oci.image.config.v1+json}), parsed once.
 * The image ID is the digest of exactly these bytes.
 */
public record ImageConfig(Digest id, ObjectNode json, List<Digest> diffIds) {

    static final ObjectMapper MAPPER = dev.berth.host.EngineJson.MAPPER;
    /** The most bytes an image config, manifest or index may have (dockerd and containerd cap manifests at 4 MiB; configs with long histories get more room). */
    static final long MAX_SIZE = 8 << 20;

    public static ImageConfig parse(byte[] bytes) {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw EngineException.invalid("invalid image config: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode obj) || !node.path("rootfs").path("diff_ids").isArray()) {
            throw EngineException.invalid("invalid image config: no rootfs.diff_ids");
        }
        List<Digest> diffIds = new ArrayList<>();
        for (JsonNode d : node.path("rootfs").path("diff_ids")) {
            diffIds.add(Digest.parse(d.asText()));
        }
        return new ImageConfig(Digest.of(bytes), obj, List.copyOf(diffIds));
    }

    /** The image's creation time, or the epoch when the config does not say. */
    public Instant created() {
        String text = json.path("created").asText("");
        try {
            return text.isEmpty() ? Instant.EPOCH : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    public String createdText() {
        return json.path("created").asText("");
    }

    public String architecture() {
        return json.path("architecture").asText("");
    }

    public String os() {
        return json.path("os").asText("");
    }

    /** The container config the image carries ({@code config}: Cmd, Env, Labels, ...). */
    public JsonNode containerConfig() {
        return json.path("config");
    }

    public JsonNode labels() {
        return json.path("config").path("Labels");
    }

    /** Sets one variable of a config's {@code Env}: in its place when it is there (dockerd's ENV), else at the end. */
    public static void setEnv(ObjectNode config, String name, String value) {
        com.fasterxml.jackson.databind.node.ArrayNode env = config.withArrayProperty("Env");
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i).asText().split("=", 2)[0].equals(name)) {
                env.set(i, name + "=" + value);
                return;
            }
        }
        env.add(name + "=" + value);
    }
}
