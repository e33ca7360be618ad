package dev.berth.rootfs;

import dev.berth.host.FileTrees;
import dev.berth.host.MountTable;
import dev.berth.host.Posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * overlayfs: the image's layers are the read-only lower dirs, each container gets {@code upper} and
 * {@code work} dirs and a {@code merged} mount point under {@code <dir>/<id>}. Lower dirs are named by
 * short symlinks, so that images with many layers fit in the one page mount options may take.
 */
final class OverlayDriver implements RootfsDriver {

    private static final int MAX_OPTIONS = 4000;

    private final Path dir;
    private final Path links;

    OverlayDriver(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.links = Files.createDirectories(dir.resolve("l"));
    }

    @Override
    public String name() {
        return "overlay";
    }

    @Override
    public Path mount(String id, List<Path> layers) throws IOException {
        Path c = dir.resolve(id);
        Path merged = Files.createDirectories(c.resolve("merged"));
        if (MountTable.isMountPoint(merged)) {
            return merged;
        }
        Path upper = Files.createDirectories(c.resolve("upper"));
        Path work = Files.createDirectories(c.resolve("work"));
        // topmost first; a layer that comes again lower down (two steps that changed nothing have the same empty
        // layer) is left out there: overlayfs refuses a lower dir twice (ELOOP), and the upper copy shadows it whole
        java.util.Set<Path> seen = new java.util.HashSet<>();
        List<String> lowers = new ArrayList<>();
        for (Path layer : layers.reversed()) {
            if (seen.add(layer)) {
                lowers.add(link(layer).toString());
            }
        }
        if (lowers.isEmpty()) {
            lowers.add(Files.createDirectories(c.resolve("empty")).toString());
        }
        String options = "lowerdir=" + String.join(":", lowers) + ",upperdir=" + upper + ",workdir=" + work;
        if (options.length() > MAX_OPTIONS) {
            throw new IOException("the image has too many layers (" + layers.size() + ") for one overlay mount");
        }
        Posix.mount("overlay", merged, "overlay", options);
        return merged;
    }

    @Override
    public java.util.Optional<Path> mounted(String id) throws IOException {
        Path merged = dir.resolve(id).resolve("merged");
        return MountTable.isMountPoint(merged) ? java.util.Optional.of(merged) : java.util.Optional.empty();
    }

    @Override
    public void unmount(String id) throws IOException {
        Path merged = dir.resolve(id).resolve("merged");
        if (MountTable.isMountPoint(merged)) {
            try {
                Posix.unmount(merged);
            } catch (IOException e) {
                if (MountTable.isMountPoint(merged)) {
                    throw e;
                }
                // unmounted meanwhile by another cleanup of the same container (an exit and an rm -f race)
            }
        }
    }

    @Override
    public long changesSize(String id) throws IOException {
        Path changes = dir.resolve(id).resolve("upper");
        return Files.exists(changes) ? FileTrees.size(changes) : 0;
    }

    @Override
    public List<Changes.Change> changes(String id, List<Path> layers) throws IOException {
        Path upper = changesDir(id);
        return Files.isDirectory(upper) ? Changes.ofUpper(upper, layers) : List.of();
    }

    @Override
    public Path changesDir(String id) {
        return dir.resolve(id).resolve("upper");
    }

    @Override
    public void remove(String id) throws IOException {
        unmount(id);
        FileTrees.delete(dir.resolve(id));
    }

    /** {@code l/<first 24 hex of the layer dir name>} → the layer dir. */
    private Path link(Path layer) throws IOException {
        String name = layer.getFileName().toString();
        Path link = links.resolve(name.substring(0, Math.min(24, name.length())));
        try {
            Files.createSymbolicLink(link, layer.toAbsolutePath());
        } catch (java.nio.file.FileAlreadyExistsException madeByAnotherMount) {
            // the same layer mounted for another container (now or in parallel): the same link
        }
        return link;
    }

    /** Whether the kernel mounts overlayfs with upper dirs on this filesystem: tried once, for real. */
    static boolean works(Path dir) {
        Path probe = null;
        try {
            probe = Files.createTempDirectory(Files.createDirectories(dir), "probe-");
            Path lower = Files.createDirectories(probe.resolve("lower"));
            Path merged = Files.createDirectories(probe.resolve("merged"));
            Posix.mount("overlay", merged, "overlay", "lowerdir=" + lower + ",upperdir=" + Files.createDirectories(probe.resolve("upper"))
                    + ",workdir=" + Files.createDirectories(probe.resolve("work")));
            Posix.unmount(merged);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            if (probe != null) {
                try {
                    FileTrees.delete(probe);
                } catch (IOException ignored) {
                    // a probe dir left behind is harmless and removed with the next one
                }
            }
        }
    }
}
