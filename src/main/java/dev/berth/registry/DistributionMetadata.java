package dev.berth.registry;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.host.AtomicFiles;
import dev.berth.host.EngineJson;
import dev.berth.image.Digest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where each layer is known to be in compressed form ({@code registry/repository@digest}), learnt from
 * pulls and pushes (dockerd's distribution metadata): a push sends a layer by the digest it was pulled
 * with, finds it there already, or mounts it from another repository of the same registry.
 */
final class DistributionMetadata {

    /** A layer's compressed blob in a repository. */
    record Location(String domain, String path, Digest digest) {}

    private final Path file;
    private final Map<String, Set<String>> byDiffId = new LinkedHashMap<>();   // guarded by this

    DistributionMetadata(Path file) throws IOException {
        this.file = file;
        dev.berth.host.AtomicFiles.readOrSetAside(file, f -> EngineJson.MAPPER.readValue(f.toFile(), new TypeReference<Map<String, List<String>>>() {}))
                .ifPresent(saved -> saved.forEach((k, v) -> byDiffId.put(k, new LinkedHashSet<>(v))));
    }

    synchronized List<Location> of(Digest diffId) {
        List<Location> out = new ArrayList<>();
        for (String l : byDiffId.getOrDefault(diffId.toString(), Set.of())) {
            int at = l.lastIndexOf('@');
            int slash = l.indexOf('/');
            out.add(new Location(l.substring(0, slash), l.substring(slash + 1, at), Digest.parse(l.substring(at + 1))));
        }
        return out;
    }

    synchronized void add(Digest diffId, String domain, String path, Digest digest) throws IOException {
        if (byDiffId.computeIfAbsent(diffId.toString(), k -> new LinkedHashSet<>()).add(domain + "/" + path + "@" + digest)) {
            AtomicFiles.write(file, EngineJson.MAPPER.writeValueAsBytes(byDiffId));
        }
    }
}
