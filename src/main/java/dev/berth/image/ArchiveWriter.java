package dev.berth.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes images as {@code docker save} (Docker 25+) does: an OCI image layout ({@code oci-layout},
 * {@code index.json}, {@code blobs/sha256/...}) that also carries the docker-archive {@code manifest.json}
 * and {@code repositories}, so both {@code docker load} and {@code podman load} read it. Layers are the
 * uncompressed tars whose digests are the images' diff ids.
 */
final class ArchiveWriter {

    record SavedImage(Image image, List<ImageReference> tags) {}

    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String CONFIG = "application/vnd.oci.image.config.v1+json";
    private static final String LAYER = "application/vnd.oci.image.layer.v1.tar";

    private ArchiveWriter() {}

    static void write(List<SavedImage> images, BlobStore blobs, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 1 << 16);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        Set<Digest> written = new HashSet<>();
        ArrayNode manifest = ImageConfig.MAPPER.createArrayNode();
        ObjectNode index = ImageConfig.MAPPER.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ArrayNode indexManifests = index.putArray("manifests");
        ObjectNode repositories = ImageConfig.MAPPER.createObjectNode();
        dir(tar, "blobs/");
        dir(tar, "blobs/sha256/");
        for (SavedImage s : images) {
            ImageConfig config = s.image().config();
            blob(tar, blobs, config.id(), written);
            ObjectNode m = ImageConfig.MAPPER.createObjectNode();
            m.put("schemaVersion", 2);
            m.put("mediaType", MANIFEST);
            descriptor(m.putObject("config"), CONFIG, config.id(), blobs.size(config.id()));
            ArrayNode layers = m.putArray("layers");
            ObjectNode entry = manifest.addObject();
            entry.put("Config", "blobs/sha256/" + config.id().hex());
            ArrayNode tags = entry.putArray("RepoTags");
            ArrayNode layerPaths = entry.putArray("Layers");
            for (Digest d : config.diffIds()) {
                blob(tar, blobs, d, written);
                descriptor(layers.addObject(), LAYER, d, blobs.size(d));
                layerPaths.add("blobs/sha256/" + d.hex());
            }
            byte[] manifestBytes = ImageConfig.MAPPER.writeValueAsBytes(m);
            Digest manifestDigest = Digest.of(manifestBytes);
            if (written.add(manifestDigest)) {
                file(tar, "blobs/sha256/" + manifestDigest.hex(), manifestBytes);
            }
            if (s.tags().isEmpty()) {
                descriptor(indexManifests.addObject(), MANIFEST, manifestDigest, manifestBytes.length);
            }
            for (ImageReference t : s.tags()) {
                tags.add(t.familiar());
                ObjectNode d = indexManifests.addObject();
                descriptor(d, MANIFEST, manifestDigest, manifestBytes.length);
                ObjectNode annotations = d.putObject("annotations");
                annotations.put("io.containerd.image.name", t.toString());
                annotations.put("org.opencontainers.image.ref.name", t.tag() != null ? t.tag() : t.toString());
                if (t.tag() != null) {
                    ObjectNode repo = repositories.has(t.familiarRepository())
                            ? (ObjectNode) repositories.get(t.familiarRepository()) : repositories.putObject(t.familiarRepository());
                    repo.put(t.tag(), config.id().hex());
                }
            }
        }
        file(tar, "index.json", ImageConfig.MAPPER.writeValueAsBytes(index));
        file(tar, "manifest.json", ImageConfig.MAPPER.writeValueAsBytes(manifest));
        file(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes());
        if (!repositories.isEmpty()) {
            file(tar, "repositories", ImageConfig.MAPPER.writeValueAsBytes(repositories));
        }
        tar.finish();
        tar.flush();
    }

    private static void descriptor(ObjectNode d, String mediaType, Digest digest, long size) {
        d.put("mediaType", mediaType);
        d.put("digest", digest.toString());
        d.put("size", size);
    }

    private static void blob(TarArchiveOutputStream tar, BlobStore blobs, Digest d, Set<Digest> written) throws IOException {
        if (!written.add(d)) {
            return;
        }
        TarArchiveEntry e = new TarArchiveEntry("blobs/sha256/" + d.hex());
        e.setSize(blobs.size(d));
        e.setMode(0444);
        tar.putArchiveEntry(e);
        try (InputStream in = blobs.open(d)) {
            in.transferTo(tar);
        }
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setMode(0444);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    private static void dir(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0755);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }
}
