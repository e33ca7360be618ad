package dev.berth.rootfs;

import dev.berth.host.FileTrees;
import dev.berth.host.Posix;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The copying driver ({@code vfs}, as Docker and podman call it): each container gets a full copy of
 * its image's layers, applied bottom first with their whiteouts, in {@code <dir>/<id>/rootfs}. Slow and
 * large, but it works on any filesystem.
 */
final class CopyDriver implements RootfsDriver {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int S_IFMT = 0170000;
    private static final String OPAQUE = "trusted.overlay.opaque";

    private final Path dir;

    CopyDriver(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    @Override
    public String name() {
        return "vfs";
    }

    @Override
    public Path mount(String id, List<Path> layers) throws IOException {
        Path rootfs = dir.resolve(id).resolve("rootfs");
        if (Files.isDirectory(rootfs)) {
            return rootfs;
        }
        Path staging = dir.resolve(id).resolve("rootfs.tmp");
        FileTrees.delete(staging);      // a copy a crash interrupted
        Files.createDirectories(staging);
        for (Path layer : layers) {
            apply(layer, staging);
        }
        Files.move(staging, rootfs);
        return rootfs;
    }

    @Override
    public java.util.Optional<Path> mounted(String id) {
        Path rootfs = dir.resolve(id).resolve("rootfs");
        return Files.isDirectory(rootfs) ? java.util.Optional.of(rootfs) : java.util.Optional.empty();
    }

    @Override
    public void unmount(String id) {
        // nothing is mounted: the copy is the root filesystem
    }

    @Override
    public long changesSize(String id) throws IOException {
        Path changes = dir.resolve(id);
        return Files.exists(changes) ? FileTrees.size(changes) : 0;
    }

    @Override
    public List<Changes.Change> changes(String id, List<Path> layers) throws IOException {
        Path rootfs = changesDir(id);
        return Files.isDirectory(rootfs) ? Changes.ofCopy(rootfs, layers) : List.of();
    }

    @Override
    public Path changesDir(String id) {
        return dir.resolve(id).resolve("rootfs");
    }

    @Override
    public void remove(String id) throws IOException {
        FileTrees.delete(dir.resolve(id));
    }

    private static void apply(Path layer, Path rootfs) throws IOException {
        List<Map.Entry<Path, FileTime>> dirTimes = new ArrayList<>();
        Files.walkFileTree(layer, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Path target = rootfs.resolve(layer.relativize(d).toString());
                if (!d.equals(layer)) {
                    if (Files.exists(target, NOFOLLOW) && !Files.isDirectory(target, NOFOLLOW)) {
                        FileTrees.delete(target);
                    }
                    if (!Files.exists(target, NOFOLLOW)) {
                        Files.createDirectory(target);
                    }
                    if (Posix.lgetxattr(d, OPAQUE) != null) {
                        try (Stream<Path> children = Files.list(target)) {
                            for (Path child : children.toList()) {
                                FileTrees.delete(child);
                            }
                        }
                    }
                }
                copyMetadata(d, target);
                dirTimes.add(Map.entry(target, attrs.lastModifiedTime()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Path target = rootfs.resolve(layer.relativize(f).toString());
                int mode = (Integer) Files.getAttribute(f, "unix:mode", NOFOLLOW);
                long rdev = (Long) Files.getAttribute(f, "unix:rdev", NOFOLLOW);
                FileTrees.delete(target);
                if ((mode & S_IFMT) == Posix.S_IFCHR && rdev == 0) {
                    return FileVisitResult.CONTINUE;    // a whiteout: the lower file is gone
                }
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(f));
                } else if (attrs.isRegularFile()) {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES, NOFOLLOW);
                } else if (attrs.isOther()) {
                    int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
                    int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
                    Posix.mknod(target, mode & S_IFMT, mode & 07777, major, minor);
                }
                copyMetadata(f, target);
                return FileVisitResult.CONTINUE;
            }
        });
        for (var d : dirTimes.reversed()) {
            Files.setLastModifiedTime(d.getKey(), d.getValue());
        }
    }

    private static void copyMetadata(Path from, Path to) throws IOException {
        Files.setAttribute(to, "unix:uid", Files.getAttribute(from, "unix:uid", NOFOLLOW), NOFOLLOW);
        Files.setAttribute(to, "unix:gid", Files.getAttribute(from, "unix:gid", NOFOLLOW), NOFOLLOW);
        if (!Files.isSymbolicLink(from)) {
            Files.setAttribute(to, "unix:mode", (Integer) Files.getAttribute(from, "unix:mode", NOFOLLOW) & 07777);
            dev.berth.host.Posix.setModifiedTime(to, Files.getLastModifiedTime(from, NOFOLLOW));    // never opens a FIFO
        }
    }
}
