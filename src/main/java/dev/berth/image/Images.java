package dev.berth.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/** The images as the API sees them ({@code docker image ...} without a registry). Blocking: call off the event loop. */
public interface Images {

    /** What {@link #remove} did, in dockerd's order: names untagged, then images deleted. */
    record Removal(List<String> untagged, List<Digest> deleted) {}

    /** What a prune removed: the images, the names untagged, the bytes freed. */
    record Pruned(List<Digest> deleted, List<String> untagged, long reclaimed) {}

    List<Image> list();

    /** By name (busybox, busybox:1, docker.io/library/busybox:latest), full id, or unique id prefix; a 404 when none. */
    Image get(String nameOrId);

    /** Where one unpacked layer's files are. */
    Path layerPath(Digest diffId);

    /** Bytes of the files of one unpacked layer. */
    long layerSize(Digest diffId);

    /** Loads every image of a docker-archive or OCI-layout tar; answers what was loaded, by name or id. */
    List<String> load(InputStream archive) throws IOException;

    /** Writes {@code docker save} output for these images: a tar both docker-archive and OCI layout readers take. */
    void save(List<String> names, OutputStream out) throws IOException;

    /** Imports a root filesystem tar (plain or gzip) as a one-layer image ({@code docker import}). */
    Image importRootfs(InputStream tar, ImportRequest request) throws IOException;

    /** {@code docker tag}: points {@code repo:tag} at the image. */
    void tag(String source, ImageReference target) throws IOException;

    /**
     * {@code docker rmi}, with dockerd's rules: a name is untagged and the image goes with its last name unless
     * something needs it; an id deletes the image (force: also with several names, or a stopped container's).
     */
    Removal remove(String nameOrId, boolean force, boolean prune) throws IOException;

    /** {@code docker image prune}: dangling images, or with {@code all} every image, that {@code filter} accepts. */
    Pruned prune(boolean all, Predicate<Image> filter) throws IOException;
}
