package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;
import dev.berth.image.Digest;
import dev.berth.image.ImageReference;
import dev.berth.image.ImageStore;
import dev.berth.image.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.zip.GZIPInputStream;

/**
 * {@code docker pull}: resolves the name to a manifest (choosing this host's platform from an index),
 * whose layers may be gzip, zstd or not compressed;
 * fetches the config and the layers the store lacks, each verified by its digest while it streams and
 * unpacked as it arrives, and records the image under its tag and its manifest's digest. Layers
 * download three at a time; a layer another pull is already fetching is waited for, not fetched twice.
 * Progress goes out as {@link TransferEvent}s.
 */
final class ImagePuller {

    private static final int PARALLEL_LAYERS = 3;

    private final ImageStore images;
    private final RegistryClient registry;
    private final DistributionMetadata metadata;
    private final Platform platform;
    private final Semaphore downloads = new Semaphore(PARALLEL_LAYERS);
    private final Map<Digest, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    ImagePuller(ImageStore images, RegistryClient registry, DistributionMetadata metadata, Platform platform) {
        this.images = images;
        this.registry = registry;
        this.metadata = metadata;
        this.platform = platform;
    }

    public Platform platform() {
        return platform;
    }

    /** What a pull resolved before it downloads: the image's manifest, and what to call it. */
    public final class Resolved {
        private final ImageReference ref;
        private final Credentials creds;
        private final RegistryClient.Manifest manifest;
        private final JsonNode json;

        private Resolved(ImageReference ref, Credentials creds, RegistryClient.Manifest manifest, JsonNode json) {
            this.ref = ref;
            this.creds = creds;
            this.manifest = manifest;
            this.json = json;
        }

        /** Downloads what the store lacks and records the image; progress as it goes. */
        public void pull(TransferEvent.Listener progress) throws IOException {
            ImagePuller.this.pull(this, progress);
        }
    }

    /**
     * Finds the image's manifest for the platform: what can fail before any progress is sent (no such
     * name, access denied, no such platform) fails here, as a plain error.
     */
    public Resolved resolve(ImageReference ref, Platform wanted, Credentials creds) throws IOException {
        RegistryClient.Manifest m = registry.manifest(ref, creds);
        JsonNode json = m.json();
        if (isIndex(m.mediaType(), json)) {
            List<String> offered = new ArrayList<>();
            JsonNode chosen = null;
            for (JsonNode d : json.path("manifests")) {
                Platform entry = platformOf(d.path("platform"));
                offered.add(entry.toString());
                if (chosen == null && wanted.matches(entry)) {
                    chosen = d;
                }
            }
            if (chosen == null) {
                throw EngineException.notFound("no matching manifest for " + wanted + " in the manifest list entries of "
                        + ref.familiar() + " (it has " + String.join(", ", offered) + ")");
            }
            RegistryClient.Manifest platformManifest = registry.manifest(
                    new ImageReference(ref.domain(), ref.path(), null, Digest.parse(chosen.path("digest").asText())), creds);
            return new Resolved(ref, creds, m, checkedImage(platformManifest, ref));
        }
        return new Resolved(ref, creds, m, checkedImage(m, ref));
    }

    /** The manifest's descriptor and its platforms: an index lists them; an image's config names its one. */
    ImageTransfers.RemoteImage inspect(ImageReference ref, Credentials creds) throws IOException {
        RegistryClient.Manifest m = registry.manifest(ref, creds);
        JsonNode json = m.json();
        List<Platform> platforms = new ArrayList<>();
        if (isIndex(m.mediaType(), json)) {
            json.path("manifests").forEach(d -> platforms.add(platformOf(d.path("platform"))));
        } else {
            byte[] config = configBlob(ref, Digest.parse(checkedImage(m, ref).path("config").path("digest").asText()), creds);
            platforms.add(platformOf(dev.berth.host.EngineJson.MAPPER.readTree(config)));
        }
        String mediaType = !m.mediaType().isEmpty() ? m.mediaType() : json.path("mediaType").asText("");
        return new ImageTransfers.RemoteImage(mediaType, m.digest(), m.bytes().length, List.copyOf(platforms));
    }

    /** The platform an index entry's {@code platform} or an image config names (os, architecture, variant). */
    private static Platform platformOf(JsonNode p) {
        return new Platform(p.path("os").asText(), p.path("architecture").asText(), p.path("variant").asText(""));
    }

    /** An image's config from the registry, checked against its digest. */
    private byte[] configBlob(ImageReference ref, Digest digest, Credentials creds) throws IOException {
        byte[] config;
        try (InputStream in = registry.blob(ref, digest, creds)) {
            config = in.readNBytes(RegistryClient.MAX_MANIFEST + 1);
        }
        if (config.length > RegistryClient.MAX_MANIFEST || !Digest.of(config).equals(digest)) {
            throw EngineException.invalid("the config blob of " + ref.familiar() + " is not " + digest);
        }
        return config;
    }

    private static boolean isIndex(String mediaType, JsonNode json) {
        return mediaType.endsWith("manifest.list.v2+json") || mediaType.endsWith("image.index.v1+json")
                || (mediaType.isEmpty() && json.has("manifests"));
    }

    private static JsonNode checkedImage(RegistryClient.Manifest m, ImageReference ref) throws IOException {
        JsonNode json = m.json();
        if (m.mediaType().startsWith("application/vnd.docker.distribution.manifest.v1") || json.path("schemaVersion").asInt() == 1) {
            throw EngineException.invalid("the manifest of " + ref.familiar() + " is Docker's schema 1, which Berth does not pull");
        }
        if (!json.path("config").has("digest") || !json.path("layers").isArray()) {
            throw EngineException.invalid("the manifest of " + ref.familiar() + " (" + m.mediaType() + ") is not an image manifest");
        }
        return json;
    }

    private void pull(Resolved r, TransferEvent.Listener progress) throws IOException {
        ImageReference ref = r.ref;
        progress.report(new TransferEvent.Status("Pulling from " + ref.familiarRepository(), ref.tag() != null ? ref.tag() : ref.digest().toString()));
        byte[] config = configBlob(ref, Digest.parse(r.json.path("config").path("digest").asText()), r.creds);
        List<Digest> diffIds = new ArrayList<>();
        dev.berth.host.EngineJson.MAPPER.readTree(config).path("rootfs").path("diff_ids").forEach(d -> diffIds.add(Digest.parse(d.asText())));
        JsonNode layers = r.json.path("layers");
        if (diffIds.size() != layers.size()) {
            throw EngineException.invalid("the manifest of " + ref.familiar() + " has " + layers.size() + " layers, its config "
                    + diffIds.size());
        }
        ImageReference byDigest = new ImageReference(ref.domain(), ref.path(), null, r.manifest.digest());
        boolean fresh = images.idOf(ref.digest() != null ? byDigest : ref).map(id -> !id.equals(Digest.of(config))).orElse(true);
        images.withoutGarbageCollection(() -> {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                JsonNode layer = layers.get(i);
                Digest diffId = diffIds.get(i);
                String id = Digest.parse(layer.path("digest").asText()).hex().substring(0, 12);
                if (images.hasLayer(diffId)) {
                    progress.report(new TransferEvent.LayerStep(id, "Already exists"));
                    continue;
                }
                progress.report(new TransferEvent.LayerStep(id, "Pulling fs layer"));
                work.add(workers.submit(() -> {
                    fetchOnce(r, layer, diffId, id, progress);
                    return null;
                }));
            }
            for (Future<?> f : work) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    work.forEach(w -> w.cancel(true));
                    Thread.currentThread().interrupt();
                    throw new IOException("the pull was interrupted", e);
                } catch (ExecutionException e) {
                    work.forEach(w -> w.cancel(true));
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            }
            List<ImageReference> names = new ArrayList<>();
            if (ref.tag() != null) {
                names.add(new ImageReference(ref.domain(), ref.path(), ref.tag(), null));
            }
            names.add(byDigest);
            images.addPulled(config, names);
            return null;
        });
        progress.report(new TransferEvent.Status("Digest: " + r.manifest.digest(), null));
        String name = ref.familiar();
        progress.report(new TransferEvent.Status(fresh ? "Status: Downloaded newer image for " + name : "Status: Image is up to date for " + name, null));
    }

    /** Fetches a layer, or waits for the pull that is fetching it already. */
    private void fetchOnce(Resolved r, JsonNode layer, Digest diffId, String id, TransferEvent.Listener progress) throws Exception {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> other = inFlight.putIfAbsent(diffId, mine);
        if (other != null) {
            other.get();
            progress.report(new TransferEvent.LayerStep(id, "Download complete"));
            progress.report(new TransferEvent.LayerStep(id, "Pull complete"));
            return;
        }
        try {
            if (!images.hasLayer(diffId)) {
                fetch(r.ref, r.creds, layer, diffId, id, progress);
            }
            progress.report(new TransferEvent.LayerStep(id, "Pull complete"));
            mine.complete(null);
        } catch (Exception e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(diffId, mine);
        }
    }

    private void fetch(ImageReference ref, Credentials creds, JsonNode layer, Digest diffId, String id, TransferEvent.Listener progress) throws IOException,
            InterruptedException {
        Digest digest = Digest.parse(layer.path("digest").asText());
        String media = layer.path("mediaType").asText("");
        long total = layer.path("size").asLong(-1);
        if (media.contains("nondistributable") || media.contains("foreign")) {
            throw EngineException.notImplemented("layer " + digest + " of " + ref.familiar() + " is a foreign layer, which Berth does not pull");
        }
        downloads.acquire();
        try (InputStream raw = registry.blob(ref, digest, creds)) {
            MessageDigest md = Digest.sha256();
            CountingStream counted = new CountingStream(new DigestInputStream(raw, md), id, total, progress);
            boolean zstd = media.endsWith("+zstd") || media.endsWith(".zstd");
            boolean gzip = !zstd && (media.isEmpty() || media.contains("gzip"));
            try {
                InputStream tar = zstd ? new io.airlift.compress.zstd.ZstdInputStream(counted)
                        : gzip ? new GZIPInputStream(counted, 64 * 1024) : counted;
                images.addLayer(tar, diffId, "layer " + digest);
                counted.transferTo(java.io.OutputStream.nullOutputStream());   // what follows the gzip stream counts too
            } catch (IOException | RuntimeException e) {
                // a broken download shows up as a broken tar or gzip stream: say what really happened
                if (counted.broken != null || (total > 0 && counted.count < total)) {
                    throw new IOException("the download of layer " + digest + " of " + ref.familiar() + " was cut short after "
                            + counted.count + (total > 0 ? " of " + total : "") + " bytes"
                            + (counted.broken != null ? " (" + counted.broken.getMessage() + ")" : ""), e);
                }
                counted.transferTo(java.io.OutputStream.nullOutputStream());
                if (!Digest.of(md).equals(digest)) {
                    throw EngineException.invalid("layer " + digest + " of " + ref.familiar() + " arrived with digest " + Digest.of(md));
                }
                throw e;
            }
            progress.report(new TransferEvent.LayerStep(id, "Verifying Checksum"));
            if (!Digest.of(md).equals(digest)) {
                throw EngineException.invalid("layer " + digest + " of " + ref.familiar() + " arrived with digest " + Digest.of(md));
            }
            metadata.add(diffId, ref.domain(), ref.path(), digest);
            progress.report(new TransferEvent.LayerStep(id, "Download complete"));
        } finally {
            downloads.release();
        }
    }

    /** Counts what a layer download read, and reports it now and then. */
    private static final class CountingStream extends dev.berth.host.BlockInputStream {
        private static final long EVERY = 256 * 1024;
        private final String id;
        private final long total;
        private final TransferEvent.Listener progress;
        private long count;
        private long reported;
        private IOException broken;     // what the connection failed with, if it did

        private final InputStream in;

        CountingStream(InputStream in, String id, long total, TransferEvent.Listener progress) {
            this.in = in;
            this.id = id;
            this.total = total;
            this.progress = progress;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                broken = e;
                throw e;
            }
            if (n > 0) {
                advance(n);
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        private void advance(long n) throws IOException {
            count += n;
            if (count - reported >= EVERY || (total > 0 && count == total)) {
                reported = count;
                progress.report(new TransferEvent.LayerBytes(id, "Downloading", count, Math.max(0, total)));
            }
        }
    }
}
