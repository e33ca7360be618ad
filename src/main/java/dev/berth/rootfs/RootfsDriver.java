package dev.berth.rootfs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes a container's root filesystem from its image's unpacked layers (whose whiteouts are stored in
 * overlayfs form: 0/0 character devices, the {@code trusted.overlay.opaque} xattr) plus a writable
 * layer of its own. overlayfs where the host can mount it; a copying driver everywhere else.
 */
public interface RootfsDriver {

    /** The name /info and inspect report ({@code overlay}, {@code vfs}). */
    String name();

    /** Makes (or re-mounts) the root filesystem of {@code id} from {@code layers}, bottom first; answers its path. */
    Path mount(String id, List<Path> layers) throws IOException;

    /** Where its root filesystem is while it is mounted (a running container's); empty when it is not. */
    java.util.Optional<Path> mounted(String id) throws IOException;

    /** Unmounts it, keeping the container's changes. Idempotent. */
    void unmount(String id) throws IOException;

    /** The bytes the container's own changes take on disk (what removing it frees). */
    long changesSize(String id) throws IOException;

    /** What the container changed against its image's {@code layers}, parents first. */
    List<Changes.Change> changes(String id, List<Path> layers) throws IOException;

    /** Where the files of the changes are: the entry at path {@code p} of a change is {@code changesDir(id)/p}. */
    Path changesDir(String id);

    /** Unmounts it and deletes the container's changes. Idempotent. */
    void remove(String id) throws IOException;
}
