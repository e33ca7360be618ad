package dev.berth.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * {@code docker commit}: a container's changes as a new layer on its image. The new image's config is the
 * container's (its Cmd, Env, ... as it ran), with the fields the request's config sets on top and then
 * the Dockerfile-style {@code changes}; its history gets an entry for the layer.
 *
 * @param containerConfig the container's Config, merged over its image's as inspect shows it
 * @param overrides       the request body's config: fields it sets replace the container's
 * @param createdBy       the history entry's {@code created_by}: the container's command unless given (a build step's)
 * @param replaceConfig   {@code overrides} is the whole new config (a build step's), not fields to set on the container's
 */
public record CommitRequest(ImageReference reference, String containerId, ObjectNode containerConfig, ObjectNode overrides,
                            List<String> changes, String comment, String author, String createdBy, boolean replaceConfig) {

    /** The same request for the container {@code id}, as it runs now. */
    public CommitRequest of(String id, ObjectNode config, String command) {
        return new CommitRequest(reference, id, config, overrides, changes, comment, author, createdBy.isEmpty() ? command : createdBy,
                replaceConfig);
    }

    /** The config of the new image: {@code base}'s, with the container's config and the new layer {@code diffId}. */
    byte[] config(ImageConfig base, Digest diffId) {
        String now = Instant.now().toString();
        ObjectNode root = base.json().deepCopy();
        ObjectNode config = replaceConfig ? overrides.deepCopy() : containerConfig.deepCopy();
        overrides.properties().forEach(f -> {
            if (dev.berth.host.EngineJson.isSet(f.getValue())) {
                config.set(f.getKey(), f.getValue());
            }
        });
        for (String change : changes) {
            ImportRequest.apply(config, change.strip());
        }
        root.set("config", config);
        root.put("container", containerId);
        root.set("container_config", containerConfig);
        root.put("created", now);
        if (!author.isEmpty()) {
            root.put("author", author);
        } else {
            root.remove("author");
        }
        if (!comment.isEmpty()) {
            root.put("comment", comment);
        }
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        base.diffIds().forEach(d -> ids.add(d.toString()));
        ids.add(diffId.toString());
        ArrayNode history = root.has("history") && root.get("history").isArray() ? (ArrayNode) root.get("history") : root.putArray("history");
        ObjectNode entry = history.addObject();
        entry.put("created", now);
        entry.put("created_by", createdBy);
        if (!author.isEmpty()) {
            entry.put("author", author);
        }
        if (!comment.isEmpty()) {
            entry.put("comment", comment);
        }
        try {
            return ImageConfig.MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
