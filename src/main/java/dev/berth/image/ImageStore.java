package dev.berth.image;

import dev.berth.errors.EngineException;
import dev.berth.host.FileTrees;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;

/**
 * The image store under {@code <root>/image}: blobs, unpacked layers and the index of images and names.
 * Blocking: callers run it off the event loop.
 *
 * <p>Writes happen in an order that keeps the store consistent at every instant: blobs, then layers,
 * then the index. Whatever a crash leaves that the index does not name is collected at the next start.
 * Loads share a lock that garbage collection takes exclusively, so collection never takes the blobs of
 * a load in flight.
 */
public final class ImageStore implements Images {

    private static final Logger LOG = Logger.getLogger(ImageStore.class.getName());

    private final BlobStore blobs;
    private final LayerStore layers;
    private final ImageIndex index;
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
    private final java.util.concurrent.atomic.AtomicBoolean gcPending = new java.util.concurrent.atomic.AtomicBoolean();
    /** Configs are immutable (their id is their digest): parsed once, not on every list or inspect. */
    private final Map<Digest, ImageConfig> configs = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile ImageUsers users = ImageUsers.NONE;
    private final ImageRemoval removal;

    private volatile dev.berth.events.EventSink events = dev.berth.events.EventSink.NONE;

    public ImageStore(Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("image"));
        this.blobs = new BlobStore(dir);
        this.layers = new LayerStore(dir);
        this.index = new ImageIndex(dir);
        this.removal = new ImageRemoval(this, index);
        blobs.removeLeftovers();
        dropBrokenEntries();
        if (!index.loaded() && !blobs.isEmpty()) {
            LOG.warning("the image index " + dir.resolve("index.json")
                    + " is missing or damaged: no blob or layer is collected, so that no image's content goes with it");
        }
    }

    /** Where image events go (load, import, pull, push, tag, untag, delete, save). */
    public void events(dev.berth.events.EventSink sink) {
        this.events = sink;
    }

    /** Reports an image event: {@code id} is the image's id, or the name it was pulled or pushed by. */
    public void report(String action, String id, String name) {
        events.emit("image", action, id, name == null ? Map.of() : Map.of("name", name));
    }

    /**
     * Tells the store which containers use its images: a used image is not deleted or pruned, and what a forced
     * removal left for a container is kept. The first collection of unused content waits for this.
     */
    public void guard(ImageUsers containers) throws IOException {
        this.users = containers;
        if (index.loaded() || blobs.isEmpty()) {
            collectGarbage();
        }
    }

    // ---- queries ----

    /** What the containers hold of the store's images. */
    ImageUsers users() {
        return users;
    }

    @Override
    public synchronized List<Image> list() {
        List<Image> out = new ArrayList<>();
        for (Digest id : index.images().keySet()) {
            out.add(image(id));
        }
        out.sort(Comparator.comparing((Image i) -> i.config().created()).reversed());
        return out;
    }

    /** By name (busybox, busybox:1, docker.io/library/busybox:latest), full id, or unique id prefix. */
    @Override
    public synchronized Image get(String nameOrId) {
        return image(resolve(nameOrId));
    }

    public synchronized int count() {
        return index.images().size();
    }

    @Override
    public Path layerPath(Digest diffId) {
        return layers.path(diffId);
    }

    /** Bytes of the files of one unpacked layer. */
    @Override
    public long layerSize(Digest diffId) {
        try {
            return layers.has(diffId) ? FileTrees.size(layers.path(diffId)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    Digest resolve(String nameOrId) {
        String text = nameOrId.strip();
        String hex = text.startsWith("sha256:") ? text.substring(7) : text;
        if (hex.matches("[0-9a-f]{1,64}")) {
            List<Digest> matches = index.images().keySet().stream().filter(d -> d.hex().startsWith(hex)).toList();
            if (matches.size() == 1 && (hex.length() >= 12 || text.startsWith("sha256:") || !isName(text))) {
                return matches.getFirst();
            }
            if (matches.size() > 1 && !isName(text)) {
                throw EngineException.invalid("ambiguous image id " + text + ": " + matches.size() + " images match");
            }
        }
        if (!text.startsWith("sha256:")) {
            Digest byName = index.refs().get(ImageReference.parse(text).toString());
            if (byName != null) {
                return byName;
            }
            // A short hex that is also a valid name: docker tries the id first when no such name exists.
            if (hex.matches("[0-9a-f]{1,64}")) {
                List<Digest> matches = index.images().keySet().stream().filter(d -> d.hex().startsWith(hex)).toList();
                if (matches.size() == 1) {
                    return matches.getFirst();
                }
            }
        }
        throw EngineException.notFound("No such image: " + nameOrId);
    }

    /** A repository without a tag or digest ({@code busybox}, {@code localhost:5000/app}). */
    private static boolean repositoryOnly(String text) {
        return !text.contains("@") && !text.substring(text.lastIndexOf('/') + 1).contains(":");
    }

    private static boolean isName(String text) {
        try {
            ImageReference.parse(text);
            return true;
        } catch (EngineException e) {
            return false;
        }
    }

    private ImageConfig config(Digest id) throws IOException {
        ImageConfig cached = configs.get(id);
        if (cached == null) {
            cached = ImageConfig.parse(blobs.read(id, ImageConfig.MAX_SIZE));
            configs.put(id, cached);
        }
        return cached;
    }

    private Image image(Digest id) {
        ImageIndex.Entry e = index.images().get(id);
        List<ImageReference> refs = index.refs().entrySet().stream().filter(r -> r.getValue().equals(id))
                .map(r -> ImageReference.parse(r.getKey())).sorted(Comparator.comparing(ImageReference::familiar)).toList();
        try {
            String idText = id.toString();
            boolean children = index.images().values().stream().anyMatch(x -> idText.equals(x.parent()));
            return new Image(config(id), refs.stream().filter(r -> r.digest() == null).toList(),
                    refs.stream().filter(r -> r.digest() != null).toList(), e.size(),
                    e.lastTagged() == 0 ? null : Instant.ofEpochMilli(e.lastTagged()), e.parent() == null ? "" : e.parent(), children);
        } catch (IOException ex) {
            throw new EngineException(EngineException.Kind.NOT_FOUND, "image " + id + " is damaged: " + ex.getMessage(), ex);
        }
    }

    // ---- writes ----

    /** Loads every image of a docker-archive or OCI-layout tar; answers what was loaded, by name or id. */
    @Override
    public List<String> load(InputStream archive) throws IOException {
        return withoutGarbageCollection(() -> {
            List<String> loaded = new ArrayList<>();
            for (ArchiveReader.ArchiveImage a : ArchiveReader.read(archive, blobs)) {
                ImageConfig config = ImageConfig.parse(blobs.read(a.config(), ImageConfig.MAX_SIZE));
                if (config.diffIds().size() != a.layers().size()) {
                    throw EngineException.invalid("invalid archive: the config of " + config.id() + " names "
                            + config.diffIds().size() + " layers, the manifest " + a.layers().size());
                }
                for (int i = 0; i < a.layers().size(); i++) {
                    addLayer(a.layers().get(i), config.diffIds().get(i), a.layerNames().get(i));
                }
                commit(config, a.tags());
                report("load", config.id().toString(), a.tags().isEmpty() ? null : a.tags().getFirst().familiar());
                if (a.tags().isEmpty()) {
                    loaded.add("Loaded image ID: " + config.id());
                } else {
                    a.tags().forEach(t -> loaded.add("Loaded image: " + t.familiar()));
                }
            }
            return loaded;
        });
    }

    /**
     * Makes sure layer {@code diffId} is unpacked and kept as an uncompressed tar blob (what save
     * writes back), from an archive blob that may be gzip-compressed.
     */
    private void addLayer(Digest blob, Digest diffId, String name) throws IOException {
        if (layers.has(diffId) && blobs.has(diffId)) {
            return;
        }
        try (InputStream in = ArchiveReader.decompressed(blobs.open(blob))) {
            boolean compressed = in instanceof GZIPInputStream;
            if (!compressed) {
                layers.unpack(in, diffId, null, name);
                return;
            }
            try (BlobStore.PendingBlob plain = blobs.create()) {
                layers.unpack(in, diffId, plain.stream(), name);
                plain.commit();
            }
        }
    }

    /** An image's config, as the bytes its id is the digest of (what a push uploads). */
    public byte[] configBytes(Digest id) throws IOException {
        return blobs.read(id, ImageConfig.MAX_SIZE);
    }

    /** A layer's uncompressed tar (what a push compresses and uploads). */
    public InputStream layerTar(Digest diffId) throws IOException {
        return blobs.open(diffId);
    }

    /** Where work files of the store's own go (a push's compressed layers): a crash leaves them for the next start to remove. */
    public Path scratch() throws IOException {
        return blobs.scratch();
    }

    /** Whether layer {@code diffId} is unpacked and its tar kept: a pull need not fetch it. */
    public boolean hasLayer(Digest diffId) {
        return layers.has(diffId) && blobs.has(diffId);
    }

    /**
     * Adds a layer from its uncompressed tar as it streams in (a pull), checked against {@code diffId};
     * call within {@link #withoutGarbageCollection}.
     */
    public void addLayer(InputStream tar, Digest diffId, String source) throws IOException {
        try (BlobStore.PendingBlob plain = blobs.create()) {
            layers.unpack(tar, diffId, plain.stream(), source);
            plain.commit();
        }
    }

    /**
     * Records a pulled image whose layers are all in place: its config, and the names it was pulled by
     * (a tag, and the manifest's digest); call within {@link #withoutGarbageCollection}.
     */
    public Image addPulled(byte[] config, List<ImageReference> names) throws IOException {
        ImageConfig c = ImageConfig.parse(blobs.read(blobs.write(config), ImageConfig.MAX_SIZE));
        for (Digest d : c.diffIds()) {
            if (!hasLayer(d)) {
                throw EngineException.invalid("image " + c.id() + " names layer " + d + ", which was not pulled");
            }
        }
        commit(c, names);
        names.stream().filter(n -> n.digest() == null).forEach(n -> report("pull", n.familiar(), n.familiar()));
        return get(c.id().toString());
    }

    /** The image a name points at now, if any. */
    public synchronized java.util.Optional<Digest> idOf(ImageReference name) {
        return java.util.Optional.ofNullable(index.refs().get(name.toString()));
    }

    /** Imports a root filesystem tar (plain or gzip) as a one-layer image ({@code docker import}). */
    @Override
    public Image importRootfs(InputStream tar, ImportRequest request) throws IOException {
        return withoutGarbageCollection(() -> {
            Digest diffId;
            try (BlobStore.PendingBlob plain = blobs.create()) {
                ArchiveReader.decompressed(tar).transferTo(plain.stream());
                diffId = plain.commit();
            }
            try (InputStream in = blobs.open(diffId)) {
                if (!layers.has(diffId)) {
                    layers.unpack(in, diffId, null, "the imported tar");
                }
            }
            ImageConfig config = ImageConfig.parse(blobs.read(blobs.write(request.config(diffId)), ImageConfig.MAX_SIZE));
            commit(config, request.reference() == null ? List.of() : List.of(request.reference()));
            report("import", config.id().toString(), request.reference() == null ? null : request.reference().familiar());
            return get(config.id().toString());
        });
    }

    /** Writes a layer tar (uncompressed) to the stream it is given. */
    public interface LayerWriter {
        void write(java.io.OutputStream out) throws IOException;
    }

    /** {@code docker commit}: the layer {@code layer} writes, on top of the image {@code base}, as a new image. */
    public Image commitContainer(String base, LayerWriter layer, CommitRequest request) throws IOException {
        return withoutGarbageCollection(() -> {
            ImageConfig parent = containerImage(base);
            Digest diffId;
            try (BlobStore.PendingBlob plain = blobs.create()) {
                layer.write(plain.stream());
                diffId = plain.commit();
            }
            if (!layers.has(diffId)) {
                try (InputStream in = blobs.open(diffId)) {
                    layers.unpack(in, diffId, null, "the container's changes");
                }
            }
            ImageConfig config = ImageConfig.parse(blobs.read(blobs.write(request.config(parent, diffId)), ImageConfig.MAX_SIZE));
            commit(config, request.reference() == null ? List.of() : List.of(request.reference()), parent.id());
            return get(config.id().toString());
        });
    }

    /**
     * Records an image whose layers the store has, from its config (a build step that changes only the
     * config: ENV, CMD, ...); answers it.
     */
    public Image addConfig(byte[] config, String parent) throws IOException {
        return withoutGarbageCollection(() -> {
            ImageConfig c = ImageConfig.parse(blobs.read(blobs.write(config), ImageConfig.MAX_SIZE));
            for (Digest d : c.diffIds()) {
                if (!hasLayer(d)) {
                    throw EngineException.invalid("image " + c.id() + " names layer " + d + ", which the store does not have");
                }
            }
            commit(c, List.of(), parent == null ? null : get(parent).id());
            return get(c.id().toString());
        });
    }

    /** The unpacked layers of an image, bottom first (what a container's root filesystem is made of). */
    public List<Path> layerPaths(String nameOrId) {
        return get(nameOrId).config().diffIds().stream().map(this::layerPath).toList();
    }

    /** The layers of the image a container was made from, by its id: also after a forced removal of the image. */
    public List<Path> containerLayers(String imageId) throws IOException {
        return containerImage(imageId).diffIds().stream().map(this::layerPath).toList();
    }

    /** A container made from this image is gone: what a forced removal of the image left for it goes, unless others hold it. */
    public void released(String imageId) throws IOException {
        boolean listed;
        synchronized (this) {
            listed = !Digest.isDigest(imageId) || index.images().containsKey(Digest.parse(imageId));
        }
        if (!listed) {
            collectGarbage();
        }
    }

    private synchronized ImageConfig containerImage(String imageId) throws IOException {
        Digest id = Digest.parse(imageId);
        if (!index.images().containsKey(id) && !blobs.has(id)) {
            throw EngineException.notFound("No such image: " + imageId);
        }
        return config(id);
    }

    /** Records an image whose blobs and layers are all in place, and points the names at it. */
    private synchronized void commit(ImageConfig config, List<ImageReference> tags) throws IOException {
        commit(config, tags, null);
    }

    /** As {@link #commit(ImageConfig, List)}, for an image made on {@code parent} (a commit, a build step). */
    private synchronized void commit(ImageConfig config, List<ImageReference> tags, Digest parent) throws IOException {
        long size = 0;
        for (Digest d : new LinkedHashSet<>(config.diffIds())) {
            size += FileTrees.size(layers.path(d));
        }
        long now = System.currentTimeMillis();
        ImageIndex.Entry old = index.images().get(config.id());
        String parentId = parent != null && !parent.equals(config.id()) ? parent.toString() : old != null ? old.parent() : null;
        index.images().put(config.id(), new ImageIndex.Entry(old != null ? old.loaded() : now, size,
                tags.isEmpty() ? (old != null ? old.lastTagged() : 0) : now, parentId));
        for (ImageReference t : tags) {
            index.refs().put(t.toString(), config.id());
        }
        index.save();
    }

    /** {@code docker tag}: points {@code repo:tag} at the image. */
    @Override
    public synchronized void tag(String source, ImageReference target) throws IOException {
        Digest id = resolve(source);
        if (target.digest() != null) {
            throw EngineException.invalid("refusing to create a tag with a digest reference");
        }
        if (target.familiarRepository().equals("sha256")) {
            // "sha256:x" would read as an image id
            throw EngineException.invalid("refusing to create an ambiguous tag using digest algorithm as name");
        }
        index.refs().put(target.toString(), id);
        ImageIndex.Entry e = index.images().get(id);
        index.images().put(id, e.withLastTagged(System.currentTimeMillis()));
        index.save();
        report("tag", id.toString(), target.familiar());
    }

    /**
     * {@code docker rmi}, with dockerd's rules (moby's ImageDelete): a name is untagged, and the image goes with
     * its last name unless a container or another image needs it; an id deletes the image, which takes force
     * when it has several names or a stopped container uses it. Neither a running container's image nor an image
     * others are made on can be deleted. A forced removal leaves a stopped container its image's content
     * (kept until the container goes). With {@code prune}, parents left without names or other children go too.
     */
    @Override
    public Removal remove(String nameOrId, boolean force, boolean prune) throws IOException {
        return removal.remove(nameOrId, force, prune);
    }

    /** {@code docker image prune}: dangling images, or with {@code all} every image. */
    @Override
    public Pruned prune(boolean all, java.util.function.Predicate<Image> filter) throws IOException {
        return removal.prune(all, filter);
    }

    /** Writes {@code docker save} output for these images: a tar both docker-archive and OCI layout readers take. */
    @Override
    public void save(List<String> names, OutputStream out) throws IOException {
        // as moby's tarexport names them: an id saves the image without names, a repository alone every tag it
        // has (of whichever images), a name with its tag that one
        Map<Digest, LinkedHashSet<ImageReference>> chosen = new java.util.LinkedHashMap<>();
        List<ArchiveWriter.SavedImage> images = new ArrayList<>();
        synchronized (this) {
            for (String n : names) {
                Image image = get(n);
                if (!isName(n) || n.startsWith("sha256:") || image.id().hex().startsWith(n)) {
                    chosen.computeIfAbsent(image.id(), k -> new LinkedHashSet<>());
                } else if (repositoryOnly(n)) {
                    String repository = ImageReference.parse(n).repository();
                    for (Image i : list()) {
                        i.tags().stream().filter(t -> t.repository().equals(repository))
                                .forEach(t -> chosen.computeIfAbsent(i.id(), k -> new LinkedHashSet<>()).add(t));
                    }
                } else {
                    chosen.computeIfAbsent(image.id(), k -> new LinkedHashSet<>()).add(ImageReference.parse(n));
                }
            }
            chosen.forEach((id, tags) -> images.add(new ArchiveWriter.SavedImage(image(id), List.copyOf(tags))));
        }
        withoutGarbageCollection(() -> {
            ArchiveWriter.write(images, blobs, out);
            return null;
        });
        images.forEach(i -> report("save", i.image().id().toString(), i.tags().isEmpty() ? null : i.tags().getFirst().familiar()));
    }

    @FunctionalInterface
    public interface StoreWork<T> {
        T run() throws IOException;
    }

    /**
     * Work that writes blobs not yet referenced, or reads blobs an image may stop referencing (load,
     * import, save, each as slow as its client): no garbage is collected meanwhile. A collection asked for
     * meanwhile is not waited for (a stalled load must not hold up rmi, prune or other loads): the last
     * such work to end runs it.
     */
    public <T> T withoutGarbageCollection(StoreWork<T> work) throws IOException {
        gcLock.readLock().lock();
        try {
            return work.run();
        } finally {
            gcLock.readLock().unlock();
            if (gcPending.get()) {
                collectGarbage();
            }
        }
    }

    /** Bytes the layers of all images take, each shared layer once. */
    public synchronized long diskUsage() throws IOException {
        Set<Digest> all = new HashSet<>();
        for (Digest id : index.images().keySet()) {
            all.addAll(config(id).diffIds());
        }
        long total = 0;
        for (Digest d : all) {
            if (layers.has(d)) {
                total += FileTrees.size(layers.path(d));
            }
        }
        return total;
    }

    /** Drops index entries whose config blob or layers are gone (the store was damaged from outside). */
    private synchronized void dropBrokenEntries() throws IOException {
        boolean changed = false;
        for (Digest id : List.copyOf(index.images().keySet())) {
            boolean ok = blobs.has(id);
            if (ok) {
                for (Digest d : config(id).diffIds()) {
                    ok &= layers.has(d);
                }
            }
            if (!ok) {
                LOG.warning("image " + id + " is incomplete on disk: dropped");
                index.images().remove(id);
                changed = true;
            }
        }
        changed |= index.refs().values().removeIf(id -> !index.images().containsKey(id));
        if (changed) {
            index.save();
        }
    }

    /** Removes blobs and layers that no image references any more, now or when the loads under way end. */
    void collectGarbage() throws IOException {
        gcPending.set(true);
        if (!gcLock.writeLock().tryLock()) {
            return;     // a load, import or save is under way: the last of them collects
        }
        try {
            if (!gcPending.getAndSet(false)) {
                return;
            }
            Set<Digest> keepBlobs = new HashSet<>();
            Set<Digest> keepLayers = new HashSet<>();
            synchronized (this) {
                // with the images, those that a forced removal took from containers made on them
                Set<Digest> kept = new HashSet<>(index.images().keySet());
                users.images().stream().filter(blobs::has).forEach(kept::add);
                for (Digest id : kept) {
                    keepBlobs.add(id);
                    List<Digest> diffIds = config(id).diffIds();
                    keepBlobs.addAll(diffIds);
                    keepLayers.addAll(diffIds);
                }
            }
            for (Digest d : blobs.all().toList()) {
                if (!keepBlobs.contains(d)) {
                    configs.remove(d);
                    blobs.delete(d);
                }
            }
            for (Digest d : layers.all()) {
                if (!keepLayers.contains(d)) {
                    layers.delete(d);
                }
            }
        } finally {
            gcLock.writeLock().unlock();
        }
        if (gcPending.get()) {
            collectGarbage();   // asked for again while this one ran
        }
    }
}
