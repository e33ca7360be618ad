package dev.berth.build;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.host.AtomicFiles;
import dev.berth.host.EngineJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The classic builder's cache: a step's key (its parent image, its instruction as evaluated, and for COPY
 * and ADD the digest of what it copies) → the image it made. Kept under {@code --root}
 * ({@code build/cache.json}); an entry whose image is gone is not used.
 */
final class BuildCache {

    /** Steps remembered; an entry whose image was removed stays until it is among the oldest past this. */
    private static final int MAX_ENTRIES = 4096;

    private final Path file;
    private final Map<String, String> entries;

    BuildCache(Path root) throws IOException {
        this.file = Files.createDirectories(root.resolve("build")).resolve("cache.json");
        this.entries = dev.berth.host.AtomicFiles.readOrSetAside(file,
                f -> EngineJson.MAPPER.readValue(f.toFile(), new TypeReference<LinkedHashMap<String, String>>() {})).orElseGet(LinkedHashMap::new);
    }

    synchronized Optional<String> find(String key, Predicate<String> exists) {
        String id = entries.get(key);
        return id != null && exists.test(id) ? Optional.of(id) : Optional.empty();
    }

    synchronized void put(String key, String imageId) throws IOException {
        entries.remove(key);
        entries.put(key, imageId);
        while (entries.size() > MAX_ENTRIES) {
            entries.remove(entries.keySet().iterator().next());    // the oldest step: the file stays small
        }
        AtomicFiles.write(file, EngineJson.MAPPER.writeValueAsBytes(entries));
    }
}
