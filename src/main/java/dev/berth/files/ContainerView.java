package dev.berth.files;

import dev.berth.errors.EngineException;
import dev.berth.host.Posix;
import dev.berth.rootfs.ScopedPath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * A container's files as its processes see them, from the host: its root filesystem with its mounts
 * (mount point → host file or directory) on top. Paths resolve within it ({@link ScopedPath}); files are
 * opened through directory fds, never by a host path a container could swap a symlink into.
 *
 * @param name          the container's name, for messages
 * @param readOnlyPaths the read-only mount points (and "/" when the root filesystem is read-only)
 */
public record ContainerView(String name, Path root, Map<String, Path> mounts, Set<String> readOnlyPaths) {

    ScopedPath.Location locate(String path, boolean keepLast) throws IOException {
        return ScopedPath.locate(root, mounts, path, keepLast);
    }

    /**
     * An open fd of the directory {@code path} names (symlinks followed within the container); -1 when
     * there is none.
     */
    int openDirectory(ScopedPath.Location where) throws IOException {
        if (where.relative().isEmpty()) {
            return Files.isDirectory(where.base()) ? Posix.openDirectory(where.base()) : -1;
        }
        return Posix.openInRoot(where.base(), where.relative(), Posix.O_RDONLY | Posix.O_DIRECTORY);
    }

    /** The parent directory's fd and the last component's name, for a path whose last component is not followed. */
    record Entry(int parentFd, String name, ScopedPath.Location where) implements AutoCloseable {
        /** The file, reached through its parent's fd. */
        Path path() {
            return name.isEmpty() ? where.base() : Posix.fdPath(parentFd).resolve(name);
        }

        @Override
        public void close() {
            if (parentFd >= 0) {
                Posix.close(parentFd);
            }
        }
    }

    /**
     * The entry {@code path} names, its last component not followed unless the path ends in {@code /} or
     * {@code /.} (as dockerd reads such paths); a 404 naming it when its directory is missing.
     */
    Entry entry(String path) throws IOException {
        ScopedPath.Location where = locate(path, !(path.endsWith("/") || path.endsWith("/.")));
        if (where.relative().isEmpty()) {
            return new Entry(-1, "", where);      // a mount point, or the root: the host source itself
        }
        int slash = where.relative().lastIndexOf('/');
        String parent = slash < 0 ? "." : where.relative().substring(0, slash);
        int fd = Posix.openInRoot(where.base(), parent, Posix.O_RDONLY | Posix.O_DIRECTORY);
        if (fd < 0) {
            throw notFound(path);
        }
        return new Entry(fd, where.relative().substring(slash + 1), where);
    }

    EngineException notFound(String path) {
        return EngineException.notFound("Could not find the file " + path + " in container " + name);
    }

    /** Whether writing at {@code path} (resolved) falls on a read-only mount or a read-only root filesystem. */
    boolean readOnly(String path) {
        String best = null;
        for (String m : mounts.keySet()) {
            if ((path.equals(m) || path.startsWith(m + "/")) && (best == null || m.length() > best.length())) {
                best = m;
            }
        }
        return best == null ? readOnlyPaths.contains("/") : readOnlyPaths.contains(best);
    }
}
