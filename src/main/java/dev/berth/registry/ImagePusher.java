package dev.berth.registry;

import dev.berth.errors.EngineException;
import dev.berth.host.EngineJson;
import dev.berth.image.Digest;
import dev.berth.image.Image;
import dev.berth.image.ImageReference;
import dev.berth.image.ImageStore;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * {@code docker push}: uploads what the registry lacks of an image (layers gzip-compressed, or sent by
 * the digest they were pulled with; a blob the repository has is not sent again, one another repository
 * of the registry has is mounted) and puts a Docker schema 2 manifest under the tag.
 */
final class ImagePusher {

    private static final String LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    private static final String CONFIG_TYPE = "application/vnd.docker.container.image.v1+json";
    private static final String MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

    private final ImageStore images;
    private final RegistryClient registry;
    private final DistributionMetadata metadata;

    ImagePusher(ImageStore images, RegistryClient registry, DistributionMetadata metadata) {
        this.images = images;
        this.registry = registry;
        this.metadata = metadata;
    }

    /** The tagged names of {@code repository} to push: the one tag asked for, or all it has. */
    public List<ImageReference> names(String repository, String tag) {
        ImageReference repo = ImageReference.parse(repository, null);
        if (tag != null && !tag.isEmpty()) {
            ImageReference ref = repo.tagged(tag);
            images.get(ref.toString());     // 404 "No such image" when there is none
            return List.of(ref);
        }
        if (repo.tag() != null) {
            images.get(repo.toString());
            return List.of(repo);
        }
        List<ImageReference> all = images.list().stream().flatMap(i -> i.tags().stream())
                .filter(t -> t.repository().equals(repo.repository())).toList();
        if (all.isEmpty()) {
            throw EngineException.notFound("An image does not exist locally with the tag: " + repo.familiarRepository());
        }
        return all;
    }

    public void push(List<ImageReference> names, Credentials creds, TransferEvent.Listener progress) throws IOException {
        progress.report(new TransferEvent.Status("The push refers to repository [" + names.getFirst().familiarRepository() + "]", null));
        for (ImageReference ref : names) {
            images.withoutGarbageCollection(() -> {
                pushOne(ref, creds, progress);
                return null;
            });
        }
    }

    private void pushOne(ImageReference ref, Credentials creds, TransferEvent.Listener progress) throws IOException {
        Image image = images.get(ref.toString());
        List<Digest> diffIds = image.config().diffIds();
        ArrayNode layers = EngineJson.MAPPER.createArrayNode();
        for (Digest diffId : diffIds) {
            String id = diffId.hex().substring(0, 12);
            progress.report(new TransferEvent.LayerStep(id, "Preparing"));
            Blob blob = pushLayer(ref, diffId, id, creds, progress);
            layers.addObject().put("mediaType", LAYER_TYPE).put("size", blob.size()).put("digest", blob.digest().toString());
        }
        byte[] config = images.configBytes(image.id());
        if (registry.blobSize(ref, image.id(), creds).isEmpty()) {
            registry.upload(ref, image.id(), () -> HttpRequest.BodyPublishers.ofByteArray(config), creds);
        }
        ObjectNode manifest = EngineJson.MAPPER.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST_TYPE);
        manifest.putObject("config").put("mediaType", CONFIG_TYPE).put("size", config.length).put("digest", image.id().toString());
        manifest.set("layers", layers);
        byte[] bytes = EngineJson.MAPPER.writeValueAsBytes(manifest);
        Digest digest = registry.putManifest(ref, MANIFEST_TYPE, bytes, creds);
        images.addPulled(config, List.of(new ImageReference(ref.domain(), ref.path(), null, digest)));
        images.report("push", ref.familiar(), ref.familiar());
        progress.report(new TransferEvent.Pushed(ref.tag(), digest, bytes.length));
    }

    /** A compressed layer blob in the registry. */
    private record Blob(Digest digest, long size) {}

    private Blob pushLayer(ImageReference ref, Digest diffId, String id, Credentials creds, TransferEvent.Listener progress) throws IOException {
        for (DistributionMetadata.Location known : metadata.of(diffId)) {
            if (!known.domain().equals(ref.domain())) {
                continue;
            }
            var there = known.path().equals(ref.path()) ? registry.blobSize(ref, known.digest(), creds) : java.util.OptionalLong.empty();
            if (there.isPresent()) {
                progress.report(new TransferEvent.LayerStep(id, "Layer already exists"));
                return new Blob(known.digest(), there.getAsLong());
            }
            if (!known.path().equals(ref.path()) && registry.mount(ref, known.digest(), known.path(), creds)) {
                metadata.add(diffId, ref.domain(), ref.path(), known.digest());
                progress.report(new TransferEvent.LayerStep(id, "Mounted from " + known.path()));      // the repository's path, as dockerd says it
                return new Blob(known.digest(), registry.blobSize(ref, known.digest(), creds).orElse(0));
            }
        }
        // compressed here (deterministically: the same layer gives the same blob), then sent unless it is there
        Path gz = images.scratch();
        try {
            MessageDigest md = Digest.sha256();
            try (InputStream tar = images.layerTar(diffId);
                 OutputStream out = new GZIPOutputStream(new DigestOutputStream(Files.newOutputStream(gz), md), 64 * 1024)) {
                tar.transferTo(out);
            }
            Digest digest = Digest.of(md);
            long size = Files.size(gz);
            if (registry.blobSize(ref, digest, creds).isPresent()) {
                progress.report(new TransferEvent.LayerStep(id, "Layer already exists"));
            } else {
                progress.report(new TransferEvent.LayerBytes(id, "Pushing", 0, size));
                registry.upload(ref, digest, () -> {
                    try {
                        return HttpRequest.BodyPublishers.ofFile(gz);
                    } catch (java.io.FileNotFoundException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, creds);
                progress.report(new TransferEvent.LayerStep(id, "Pushed"));
            }
            metadata.add(diffId, ref.domain(), ref.path(), digest);
            return new Blob(digest, size);
        } finally {
            Files.deleteIfExists(gz);
        }
    }
}
