package dev.berth.container;

import dev.berth.files.PathStat;
import dev.berth.image.CommitRequest;
import dev.berth.image.Image;
import dev.berth.rootfs.Changes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.function.Function;

/**
 * A container's files as the API reaches them: {@code docker cp} both ways, {@code export}, {@code diff}
 * and {@code commit}. Blocking: call off the event loop.
 */
public interface ContainerArchives {

    /** What {@code path} is in the container ({@code HEAD /archive}), without following a final link. */
    PathStat stat(String ref, String path) throws IOException;

    /**
     * {@code docker cp} out: a tar of {@code path}, written to the stream that {@code open} gives once the
     * path's stat is known (so a response head can carry it before the first byte).
     */
    void archive(String ref, String path, Function<PathStat, OutputStream> open) throws IOException;

    /**
     * {@code docker cp} in: unpacks {@code tar} into the directory {@code path}; with {@code copyOwner} the
     * files belong to the container's user, else to root.
     */
    void extract(String ref, String path, InputStream tar, boolean noOverwriteDirNonDir, boolean copyOwner) throws IOException;

    /** {@code docker export}: the container's whole filesystem as a tar. */
    void export(String ref, OutputStream out) throws IOException;

    /** {@code docker diff}: what the container changed in its root filesystem, parents first. */
    List<Changes.Change> changes(String ref) throws IOException;

    /**
     * {@code docker commit}: the container's changes as a new image on top of its own; a running container
     * is frozen meanwhile when {@code pause}, so the layer is one moment's state.
     */
    Image commit(String ref, CommitRequest request, boolean pause) throws IOException;
}
