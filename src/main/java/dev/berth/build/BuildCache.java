package dev.berth.build;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.host.AtomicFiles;
import dev.berth.host.EngineJson;
import dev.berth.image.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
        this.entries = AtomicFiles.readOrSetAside(file,
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

    /**
     * What a COPY copies, for its cache key: each entry's name, type, mode, link target and content, not its
     * times (as the classic builder's tarsum v1): a context sent again with the same files hits the cache.
     */
    static String contentDigest(Path tar) throws IOException {
        try (var in = new TarArchiveInputStream(Files.newInputStream(tar), "UTF-8")) {
            var md = Digest.sha256();
            byte[] buf = new byte[1 << 16];
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                md.update((e.getName() + "\0" + (char) e.getLinkFlag() + "\0" + e.getMode() + "\0" + e.getLinkName() + "\0" + e.getSize())
                        .getBytes(StandardCharsets.UTF_8));
                for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        }
    }

    /** A step's key: the SHA-256 of what it is made of (its parent, instruction, copied content and config). */
    static String key(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
