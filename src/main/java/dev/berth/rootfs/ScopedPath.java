package dev.berth.rootfs;

import dev.berth.errors.EngineException;
import dev.berth.host.Posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Paths inside a container's root filesystem, resolved the way {@code chroot} would see them: symlinks
 * are followed relative to the root and {@code ..} stops at the root, so no path in an image or a
 * request can name a host file outside it. Every host-side look into a container's root goes through
 * here (working directory creation, passwd and group look-ups).
 */
public final class ScopedPath {

    /** As the kernel's MAXSYMLINKS: more links than this in one path is a loop. */
    private static final int MAX_LINKS = 40;

    private ScopedPath() {}

    /**
     * Where a path inside a container is on the host: under {@code base} (the root filesystem, or the
     * source of the mount it lies in) at {@code relative} ("" for the base itself).
     *
     * @param path the path inside the container, cleaned, every symlink resolved
     */
    public record Location(Path base, String relative, String path) {
        public Path host() {
            return relative.isEmpty() ? base : base.resolve(relative);
        }
    }

    /**
     * The host path that {@code path} names inside {@code root}, every symlink on the way resolved within
     * the root. Components that do not exist yet are taken as they are.
     */
    public static Path resolve(Path root, String path) throws IOException {
        return locate(root, Map.of(), path).host();
    }

    /**
     * Where {@code path} is, seen as the container sees it: its root filesystem with {@code mounts} (mount
     * point → host source) on top. Symlinks are resolved within the container, also from and into mounts;
     * the last component too when it is a symlink, unless {@code keepLast}.
     */
    public static Location locate(Path root, Map<String, Path> mounts, String path, boolean keepLast) throws IOException {
        List<String> parts = components(path);
        if (!keepLast || parts.isEmpty()) {
            return locate(root, mounts, path);
        }
        String last = parts.getLast();
        if (last.equals("..")) {
            return locate(root, mounts, path);
        }
        Location parent = locate(root, mounts, String.join("/", parts.subList(0, parts.size() - 1)));
        String full = parent.path().equals("/") ? "/" + last : parent.path() + "/" + last;
        Path mount = mounts.get(full);
        return mount != null ? new Location(mount, "", full)
                : new Location(parent.base(), parent.relative().isEmpty() ? last : parent.relative() + "/" + last, full);
    }

    private static Location locate(Path root, Map<String, Path> mounts, String path) throws IOException {
        List<String> done = new ArrayList<>();
        Deque<String> pending = new ArrayDeque<>(components(path));
        int links = 0;
        while (!pending.isEmpty()) {
            String part = pending.removeFirst();
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            done.add(part);
            Path candidate = where(root, mounts, done).host();
            done.removeLast();
            if (!Files.isSymbolicLink(candidate)) {
                done.add(part);
                continue;
            }
            if (++links > MAX_LINKS) {
                throw EngineException.invalid("too many levels of symbolic links in " + path);
            }
            String target = Files.readSymbolicLink(candidate).toString();
            if (target.startsWith("/")) {
                done.clear();
            }
            components(target).reversed().forEach(pending::addFirst);
        }
        return where(root, mounts, done);
    }

    /** The host place of a path without symlinks: under the deepest mount it lies in, else under the root. */
    private static Location where(Path root, Map<String, Path> mounts, List<String> parts) {
        String full = "/" + String.join("/", parts);
        for (int i = parts.size(); i > 0 && !mounts.isEmpty(); i--) {
            Path source = mounts.get("/" + String.join("/", parts.subList(0, i)));
            if (source != null) {
                return new Location(source, String.join("/", parts.subList(i, parts.size())), full);
            }
        }
        return new Location(root, String.join("/", parts), full);
    }

    /** Creates {@code path} inside {@code root} and its missing parents, as {@code mkdir -p} run in the container would. */
    public static Path createDirectories(Path root, String path) throws IOException {
        Path resolved = resolve(root, path);
        Path p = root;
        for (Path part : root.relativize(resolved)) {
            p = p.resolve(part.toString());
            if (Files.isSymbolicLink(p)) {
                // appeared since it was resolved: never follow it out of the root
                throw new IOException("cannot create " + path + " in the container: " + root.relativize(p) + " became a symlink");
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(p);
            } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw EngineException.invalid("cannot create the directory " + path + " in the container: "
                        + "/" + root.relativize(p) + " is not a directory");
            }
        }
        return resolved;
    }

    /**
     * A small file's contents, opened by the kernel inside the root (openat2 with RESOLVE_IN_ROOT), so a
     * symlink swapped in by a running container cannot lead out either; empty when there is no such file.
     */
    public static Optional<byte[]> read(Path root, String path, int maxBytes) throws IOException {
        return Optional.ofNullable(Posix.readInRoot(root, path, maxBytes));
    }

    /** Refuses ({@link Posix.NotRegularFile}) a file inside the root that is there but no regular file or directory. */
    public static void requireRegularOrAbsent(Path root, String path) throws IOException {
        int fd = Posix.openInRoot(root, path, Posix.O_PATH);
        if (fd < 0) {
            return;
        }
        try {
            Posix.FileStat st = Posix.fstat(fd);
            if (!st.regular() && !st.directory()) {
                throw new Posix.NotRegularFile(path + " in the container is " + st.kind() + ", not a regular file");
            }
        } finally {
            Posix.close(fd);
        }
    }

    private static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                out.add(p);
            }
        }
        return out;
    }

}
