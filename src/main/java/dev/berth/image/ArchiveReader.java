package dev.berth.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an image archive as {@code docker save} writes it (docker-archive: {@code manifest.json}) or as an
 * OCI image layout ({@code index.json}), plain or gzip-compressed. The archive is read once, front to back:
 * every file goes to the blob store as it streams past (nothing is held in memory but the small index files),
 * and the images are worked out at the end, since {@code manifest.json} may come last.
 */
final class ArchiveReader {

    /** One image of the archive: its config blob, its layer blobs in order, and the names it carries. */
    record ArchiveImage(Digest config, List<Digest> layers, List<String> layerNames, List<ImageReference> tags) {}

    private static final Set<String> INDEX_FILES = Set.of("manifest.json", "index.json", "oci-layout", "repositories");
    private static final int MAX_INDEX_FILE = 16 << 20;
    private static final int MAX_INDEX_DEPTH = 8;

    private final BlobStore blobs;
    private final Map<String, Digest> files = new HashMap<>();
    private final Map<String, String> links = new HashMap<>();
    private final Map<String, byte[]> index = new HashMap<>();

    private ArchiveReader(BlobStore blobs) {
        this.blobs = blobs;
    }

    static List<ArchiveImage> read(InputStream archive, BlobStore blobs) throws IOException {
        ArchiveReader r = new ArchiveReader(blobs);
        r.stage(decompressed(archive));
        return r.images();
    }

    /** Gzip is recognised by its magic number, as docker load does. */
    static InputStream decompressed(InputStream in) throws IOException {
        return dev.berth.host.Gzip.maybeCompressed(in);
    }

    private void stage(InputStream in) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        int entries = 0;
        try {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; entries++) {
                String name = normalize(e.getName());
                if (e.isSymbolicLink()) {
                    links.put(name, resolve(name, e.getLinkName()));
                } else if (e.isLink()) {
                    links.put(name, normalize(e.getLinkName()));
                } else if (e.isFile()) {
                    if (INDEX_FILES.contains(name)) {
                        if (e.getSize() > MAX_INDEX_FILE) {
                            throw EngineException.invalid("invalid archive: " + name + " is too large");
                        }
                        index.put(name, tar.readAllBytes());
                    } else {
                        files.put(name, blobs.write(tar));
                    }
                }
            }
        } catch (IOException e) {
            throw EngineException.invalid("invalid archive: " + (entries == 0 ? "not a tar archive" : "truncated or corrupt")
                    + " (" + e.getMessage() + ")");
        }
        if (entries == 0) {
            throw EngineException.invalid("invalid archive: empty, or not a tar archive");
        }
    }

    private List<ArchiveImage> images() {
        if (index.containsKey("manifest.json")) {
            return dockerArchive(json("manifest.json"));
        }
        if (index.containsKey("index.json")) {
            List<ArchiveImage> out = new ArrayList<>();
            ociIndex(json("index.json"), out, null, new java.util.HashSet<>());
            return out;
        }
        throw EngineException.invalid("invalid archive: no manifest.json (docker-archive) or index.json (OCI layout)");
    }

    private List<ArchiveImage> dockerArchive(JsonNode manifest) {
        if (!manifest.isArray()) {
            throw EngineException.invalid("invalid archive: manifest.json is not a list");
        }
        List<ArchiveImage> out = new ArrayList<>();
        for (JsonNode m : manifest) {
            List<String> layerNames = new ArrayList<>();
            m.path("Layers").forEach(l -> layerNames.add(l.asText()));
            List<ImageReference> tags = new ArrayList<>();
            m.path("RepoTags").forEach(t -> tags.add(ImageReference.parse(t.asText())));
            String configName = m.path("Config").asText();
            Digest config = file(configName);
            // Names such as <hex>.json or blobs/sha256/<hex> promise that content.
            String named = configName.replaceAll("^.*/|\\.json$", "");
            if (named.matches("[0-9a-f]{64}") && !named.equals(config.hex())) {
                throw EngineException.invalid("invalid archive: digest mismatch: " + configName + " has content " + config);
            }
            out.add(new ArchiveImage(config, layerNames.stream().map(this::file).toList(), layerNames, tags));
        }
        return out;
    }

    /** The images of an index and of the indexes it nests; {@code enclosing} are the indexes around it, which it must not name again. */
    private void ociIndex(JsonNode idx, List<ArchiveImage> out, String inheritedName, java.util.Set<Digest> enclosing) {
        for (JsonNode d : idx.path("manifests")) {
            String media = d.path("mediaType").asText("");
            String name = name(d.path("annotations"), inheritedName);
            Digest digest = descriptor(d);
            JsonNode target = json(digest);
            if (media.endsWith("index.v1+json") || media.endsWith("manifest.list.v2+json") || target.has("manifests")) {
                if (!enclosing.add(digest) || enclosing.size() > MAX_INDEX_DEPTH) {
                    throw EngineException.invalid("invalid archive: the index " + digest + " contains itself or nests too deep");
                }
                ociIndex(target, out, name, enclosing);
                enclosing.remove(digest);
                continue;
            }
            Digest config = descriptor(target.path("config"));
            List<String> layerNames = new ArrayList<>();
            List<Digest> layers = new ArrayList<>();
            for (JsonNode l : target.path("layers")) {
                layers.add(descriptor(l));
                layerNames.add(l.path("digest").asText());
            }
            List<ImageReference> tags = name == null ? List.of() : List.of(ImageReference.parse(name));
            out.add(new ArchiveImage(config, layers, layerNames, tags));
        }
    }

    /** An OCI name annotation: a full reference (containerd's), or a bare tag (only meaningful with a name). */
    private static String name(JsonNode annotations, String inherited) {
        String full = annotations.path("io.containerd.image.name").asText("");
        if (!full.isEmpty()) {
            return full;
        }
        String ref = annotations.path("org.opencontainers.image.ref.name").asText("");
        return ref.contains("/") || ref.contains(":") ? ref : inherited;
    }

    /** The blob a descriptor names, which must be in the archive with exactly that digest. */
    private Digest descriptor(JsonNode d) {
        Digest claimed = Digest.parse(d.path("digest").asText(""));
        Digest actual = files.get(resolveLink("blobs/sha256/" + claimed.hex()));
        if (actual == null) {
            throw EngineException.invalid("invalid archive: blob " + claimed + " is missing");
        }
        if (!actual.equals(claimed)) {
            throw EngineException.invalid("invalid archive: digest mismatch: blob " + claimed + " has content " + actual);
        }
        return actual;
    }

    private JsonNode json(Digest blob) {
        try {
            return ImageConfig.MAPPER.readTree(blobs.read(blob, ImageConfig.MAX_SIZE));
        } catch (IOException e) {
            throw EngineException.invalid("invalid archive: bad JSON in blob " + blob + ": " + e.getMessage());
        }
    }

    private JsonNode json(String name) {
        try {
            return ImageConfig.MAPPER.readTree(index.get(name));
        } catch (IOException e) {
            throw EngineException.invalid("invalid archive: bad JSON in " + name + ": " + e.getMessage());
        }
    }

    private Digest file(String name) {
        Digest d = files.get(resolveLink(normalize(name)));
        if (d == null) {
            throw EngineException.invalid("invalid archive: " + name + " is named by the manifest but missing");
        }
        return d;
    }

    private String resolveLink(String name) {
        for (int hops = 0; links.containsKey(name) && hops < 16; hops++) {
            name = links.get(name);
        }
        return name;
    }

    private static String normalize(String name) {
        String n = name.startsWith("./") ? name.substring(2) : name;
        return n.startsWith("/") ? n.substring(1) : n;
    }

    /** A symlink's target, relative to the link's own directory. */
    private static String resolve(String linkName, String target) {
        List<String> parts = new ArrayList<>(List.of(linkName.split("/")));
        parts.removeLast();
        for (String p : target.split("/")) {
            if (p.equals("..") && !parts.isEmpty()) {
                parts.removeLast();
            } else if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }
}
