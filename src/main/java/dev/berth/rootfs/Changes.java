package dev.berth.rootfs;

import dev.berth.host.Posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a container changed in its root filesystem against its image ({@code docker diff}, and the layer
 * {@code docker commit} makes): from overlayfs's upper dir, or by comparing a full copy with the image's
 * layers. Parents come before their children. The mount points the runtime makes for every container
 * (/proc, /etc/hosts, ...) are not changes of the container's own, as dockerd keeps them in its init layer.
 */
public final class Changes {

    /** A change: {@code kind} is A (added), C (changed) or D (deleted), as {@code docker diff} prints it. */
    public record Change(String path, char kind) {}

    /** The mount points every container gets, made by the runtime in its writable layer. */
    public static final Set<String> RUNTIME_MOUNT_POINTS = Set.of("/proc", "/sys", "/dev", "/etc/hostname", "/etc/hosts",
            "/etc/resolv.conf", "/sbin/docker-init");

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int S_IFMT = 0170000;
    private static final String OPAQUE = "trusted.overlay.opaque";

    private final List<Path> layers;

    private Changes(List<Path> layers) {
        this.layers = layers;
    }

    /** From an overlay upper dir: whiteouts are deletions, an entry the image has is a change, any other an addition. */
    static List<Change> ofUpper(Path upper, List<Path> layers) throws IOException {
        List<Change> out = new ArrayList<>();
        new Changes(layers).upper(upper, "", out);
        return out;
    }

    /** By comparing a full copy of the root filesystem with the image's layers (type, owner, mode, size, mtime, link target). */
    static List<Change> ofCopy(Path rootfs, List<Path> layers) throws IOException {
        Changes c = new Changes(layers);
        List<Change> out = new ArrayList<>();
        c.compare(rootfs, "", out);
        Set<String> seen = new HashSet<>();
        for (Path layer : layers.reversed()) {
            c.deleted(layer, rootfs, "", seen, out);
        }
        return out;
    }

    private void upper(Path dir, String path, List<Change> out) throws IOException {
        for (String name : sorted(dir)) {
            try {
                upperEntry(dir, path, name, out);
            } catch (java.nio.file.NoSuchFileException goneMeanwhile) {
                // a running container removed it since the directory was listed
            }
        }
    }

    /** One entry of an upper dir and what is below it (a NoSuchFileException when a running container removed it). */
    private void upperEntry(Path dir, String path, String name, List<Change> out) throws IOException {
        Path f = dir.resolve(name);
        String p = path + "/" + name;
        if (RUNTIME_MOUNT_POINTS.contains(p)) {
            return;
        }
        if (whiteout(f)) {
            out.add(new Change(p, 'D'));
        } else if (Files.isDirectory(f, NOFOLLOW)) {
            List<Change> below = new ArrayList<>();
            throughFd(f, d -> upper(d, p, below));
            boolean inImage = lower(p).filter(l -> Files.isDirectory(l, NOFOLLOW)).isPresent();
            if (!inImage || !below.isEmpty() || Posix.lgetxattr(f, OPAQUE) != null) {
                out.add(new Change(p, inImage ? 'C' : 'A'));
            }
            out.addAll(below);
        } else {
            out.add(new Change(p, lower(p).isPresent() ? 'C' : 'A'));
        }
    }

    private void compare(Path dir, String path, List<Change> out) throws IOException {
        for (String name : sorted(dir)) {
            Path f = dir.resolve(name);
            String p = path + "/" + name;
            if (RUNTIME_MOUNT_POINTS.contains(p)) {
                continue;
            }
            Optional<Path> before = lower(p);
            if (Files.isDirectory(f, NOFOLLOW)) {
                List<Change> below = new ArrayList<>();
                throughFd(f, d -> compare(d, p, below));
                boolean wasDir = before.filter(l -> Files.isDirectory(l, NOFOLLOW)).isPresent();
                if (!wasDir || !below.isEmpty() || !same(f, before.get())) {
                    out.add(new Change(p, wasDir ? 'C' : 'A'));
                }
                out.addAll(below);
            } else if (before.isEmpty()) {
                out.add(new Change(p, 'A'));
            } else if (!same(f, before.get())) {
                out.add(new Change(p, 'C'));
            }
        }
    }

    /** The image's entries under {@code path} in {@code layer} (the topmost of each) that the copy lacks. */
    private void deleted(Path layer, Path rootfs, String path, Set<String> seen, List<Change> out) throws IOException {
        Path dir = path.isEmpty() ? layer : layer.resolve(path.substring(1));
        if (!Files.isDirectory(dir, NOFOLLOW)) {
            return;
        }
        for (String name : sorted(dir)) {
            String p = path + "/" + name;
            if (!seen.add(p) || whiteout(dir.resolve(name)) || !lower(p).map(dir.resolve(name)::equals).orElse(false)) {
                continue;
            }
            if (!Files.exists(rootfs.resolve(p.substring(1)), NOFOLLOW)) {
                out.add(new Change(p, 'D'));
            } else if (Files.isDirectory(dir.resolve(name), NOFOLLOW)) {
                deleted(layer, rootfs, p, seen, out);
            }
        }
    }

    /** Where the image has {@code path}: the topmost layer's entry, unless a whiteout or an opaque directory above hides it. */
    private Optional<Path> lower(String path) throws IOException {
        String rel = path.substring(1);
        for (Path layer : layers.reversed()) {
            Path f = layer.resolve(rel);
            if (Files.exists(f, NOFOLLOW)) {
                return whiteout(f) ? Optional.empty() : Optional.of(f);
            }
            Path parent = f.getParent();
            while (parent != null && parent.startsWith(layer) && !parent.equals(layer)) {
                if (whiteout(parent) || (Files.isDirectory(parent, NOFOLLOW) && Posix.lgetxattr(parent, OPAQUE) != null)) {
                    return Optional.empty();
                }
                parent = parent.getParent();
            }
        }
        return Optional.empty();
    }

    private static boolean whiteout(Path f) throws IOException {
        if (!Files.exists(f, NOFOLLOW)) {
            return false;
        }
        Map<String, Object> a = Files.readAttributes(f, "unix:mode,rdev", NOFOLLOW);
        return ((Integer) a.get("mode") & S_IFMT) == Posix.S_IFCHR && (Long) a.get("rdev") == 0;
    }

    private static boolean same(Path a, Path b) throws IOException {
        String keys = "unix:mode,uid,gid,size,lastModifiedTime";
        Map<String, Object> x = Files.readAttributes(a, keys, NOFOLLOW);
        Map<String, Object> y = Files.readAttributes(b, keys, NOFOLLOW);
        if (!x.equals(y)) {
            return Files.isDirectory(a, NOFOLLOW) && Files.isDirectory(b, NOFOLLOW)
                    && Objects.equals(x.get("mode"), y.get("mode")) && Objects.equals(x.get("uid"), y.get("uid"))
                    && Objects.equals(x.get("gid"), y.get("gid"));     // a directory's size and mtime follow its entries
        }
        return !Files.isSymbolicLink(a) || Files.readSymbolicLink(a).equals(Files.readSymbolicLink(b));
    }

    /** What is done in a directory of the container's. */
    @FunctionalInterface
    private interface InDirectory {
        void run(Path dir) throws IOException;
    }

    /**
     * Runs {@code body} on the directory {@code f} through an fd opened without following a symlink: a running
     * container that swaps a symlink in for it (to a host directory) is not followed; nothing is done when {@code f}
     * is no directory by then.
     */
    private static void throughFd(Path f, InDirectory body) throws IOException {
        int fd = Posix.openDirectory(f);
        if (fd < 0) {
            return;
        }
        try {
            body.run(Posix.fdPath(fd));
        } finally {
            Posix.close(fd);
        }
    }

    private static List<String> sorted(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
