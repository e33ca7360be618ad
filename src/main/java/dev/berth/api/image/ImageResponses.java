package dev.berth.api.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.image.Digest;
import dev.berth.image.Image;
import dev.berth.image.ImageReference;

import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The Docker shapes of images: list entries, inspect, history. */
public final class ImageResponses {

    private ImageResponses() {}

    /** {@code GET /images/json} entry. */
    public record Summary(String id, @JsonProperty("ParentId") String parentId, List<String> repoTags,
                          List<String> repoDigests, long created, long size, long sharedSize,
                          long virtualSize, JsonNode labels, long containers) {}

    /** {@code GET /images/{name}/json}. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Inspect(String id, List<String> repoTags, List<String> repoDigests, String parent, String comment,
                   String created,
                   @JsonInclude(JsonInclude.Include.NON_NULL) String container,
                   @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode containerConfig,
                   String dockerVersion, String author, JsonNode config, String architecture,
                   String variant, String os, long size, long virtualSize, GraphDriver graphDriver,
                   @JsonProperty("RootFS") RootFs rootFs, Metadata metadata) {}

    record GraphDriver(String name, Map<String, String> data) {}

    record RootFs(String type, List<String> layers) {}

    record Metadata(String lastTagTime) {}

    /** {@code GET /images/{name}/history} entry. */
    record History(String id, long created, String createdBy, List<String> tags, long size, String comment) {}

    public static Summary summary(Image i) {
        return new Summary(i.id().toString(), i.parent(), i.tags().stream().map(ImageReference::familiar).toList(),
                i.repoDigests().stream().map(ImageReference::familiar).toList(),
                i.config().created().getEpochSecond(), i.size(), -1, i.size(),
                i.config().labels().isObject() ? i.config().labels() : null, -1);
    }

    /**
     * Go's zero {@code container.Config}, which dockerd before API 1.45 shows as {@code ContainerConfig}
     * of an image that has none (compose 1.29 reads its {@code Volumes} on every recreate).
     */
    private static final ObjectNode ZERO_CONFIG = zeroConfig();

    private static ObjectNode zeroConfig() {
        var node = dev.berth.api.Json.MAPPER.createObjectNode();
        for (String s : List.of("Hostname", "Domainname", "User")) {
            node.put(s, "");
        }
        for (String b : List.of("AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce")) {
            node.put(b, false);
        }
        node.putNull("Env").putNull("Cmd").put("Image", "").putNull("Volumes").put("WorkingDir", "");
        node.putNull("Entrypoint").putNull("OnBuild").putNull("Labels");
        return node;
    }

    /**
     * A config as Go's {@code container.Config} marshals it: the fields without {@code omitempty} are always there,
     * zero when the image has none (docker-py reads {@code Config.OnBuild} of a built image).
     */
    private static JsonNode goShape(JsonNode config) {
        var shown = ZERO_CONFIG.deepCopy();
        config.properties().forEach(e -> shown.set(e.getKey(), e.getValue()));
        return shown;
    }

    /** @param version the request's API version: {@code Container} and {@code ContainerConfig} are gone from 1.45 */
    static Inspect inspect(Image i, String storageDriver, Function<Digest, Path> layerPath, dev.berth.api.ApiVersion version) {
        var c = i.config();
        boolean legacy = version.before(1, 45);
        JsonNode containerConfig = c.json().path("container_config");
        List<String> dirs = c.diffIds().reversed().stream().map(d -> layerPath.apply(d).toString()).toList();
        return new Inspect(i.id().toString(), i.tags().stream().map(ImageReference::familiar).toList(),
                i.repoDigests().stream().map(ImageReference::familiar).toList(), i.parent(),
                c.json().path("comment").asText(""), c.createdText(),
                legacy ? c.json().path("container").asText("") : null,
                legacy ? (containerConfig.isObject() ? goShape(containerConfig) : ZERO_CONFIG) : null,
                c.json().path("docker_version").asText(""),
                c.json().path("author").asText(""), c.containerConfig().isMissingNode() ? null : goShape(c.containerConfig()),
                c.architecture(), c.json().path("variant").asText(""), c.os(), i.size(), i.size(),
                new GraphDriver(storageDriver, Map.of("LowerDir", String.join(":", dirs))),
                new RootFs("layers", c.diffIds().stream().map(Digest::toString).toList()),
                new Metadata(i.lastTagged() == null ? "" : DateTimeFormatter.ISO_INSTANT.format(i.lastTagged())));
    }

    /** Newest first; the image's own id on the top entry, {@code <missing>} below it, as dockerd shows. */
    static List<History> history(Image i, Function<Digest, Long> layerSize) {
        List<History> out = new ArrayList<>();
        List<Digest> diffIds = i.config().diffIds();
        int layer = 0;
        for (JsonNode h : i.config().json().path("history")) {
            boolean empty = h.path("empty_layer").asBoolean(false);
            long size = !empty && layer < diffIds.size() ? layerSize.apply(diffIds.get(layer++)) : 0;
            java.time.Instant created;
            try {
                created = java.time.Instant.parse(h.path("created").asText("1970-01-01T00:00:00Z"));
            } catch (java.time.format.DateTimeParseException e) {
                created = java.time.Instant.EPOCH;
            }
            out.add(new History("<missing>", created.getEpochSecond(), h.path("created_by").asText(""), null, size,
                    h.path("comment").asText("")));
        }
        out = new ArrayList<>(out.reversed());
        List<String> tags = i.tags().stream().map(ImageReference::familiar).toList();
        if (out.isEmpty()) {
            out.add(new History(i.id().toString(), i.config().created().getEpochSecond(), "", tags, i.size(), ""));
        } else {
            History top = out.getFirst();
            out.set(0, new History(i.id().toString(), top.created(), top.createdBy(), tags, top.size(), top.comment()));
        }
        return out;
    }
}
