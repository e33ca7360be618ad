package dev.berth.image;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.berth.host.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which images exist and which names point at them, in one JSON file rewritten atomically (temp file,
 * fsync, rename) after each change. An image is visible only once its blobs and layers are complete.
 */
final class ImageIndex {

    /**
     * What the store remembers of an image beyond its config blob (times in epoch milliseconds; 0: never):
     * {@code parent}, the image it was made on by a commit or a build step (null for loaded and pulled ones).
     */
    record Entry(long loaded, long size, long lastTagged, String parent) {
        Entry withLastTagged(long t) {
            return new Entry(loaded, size, t, parent);
        }
    }

    record State(Map<String, Entry> images, Map<String, String> refs) {}

    private final Path file;
    private final boolean loaded;
    private final Map<Digest, Entry> images = new LinkedHashMap<>();
    private final Map<String, Digest> refs = new LinkedHashMap<>();

    ImageIndex(Path root) throws IOException {
        this.file = root.resolve("index.json");
        // converted inside the parser, into maps of its own: an entry that does not convert sets the whole file aside
        java.util.Optional<State> saved = AtomicFiles.readOrSetAside(file, f -> {
            State s = ImageConfig.MAPPER.readValue(f.toFile(), new TypeReference<State>() {});
            Map<Digest, Entry> i = new LinkedHashMap<>();
            Map<String, Digest> r = new LinkedHashMap<>();
            s.images().forEach((hex, e) -> i.put(new Digest(hex), e));
            s.refs().forEach((ref, id) -> r.put(ref, Digest.parse(id)));
            images.putAll(i);
            refs.putAll(r);
            return s;
        });
        this.loaded = saved.isPresent();
    }

    /**
     * Whether the index was read from its file: a missing or damaged one reads as empty, which must not be taken
     * for "no image uses any blob".
     */
    boolean loaded() {
        return loaded;
    }

    Map<Digest, Entry> images() {
        return images;
    }

    Map<String, Digest> refs() {
        return refs;
    }

    void save() throws IOException {
        Map<String, Entry> i = new LinkedHashMap<>();
        images.forEach((d, e) -> i.put(d.hex(), e));
        Map<String, String> r = new LinkedHashMap<>();
        refs.forEach((ref, d) -> r.put(ref, d.toString()));
        AtomicFiles.write(file, ImageConfig.MAPPER.writeValueAsBytes(new State(i, r)));
    }
}
