package dev.berth.files;

import dev.berth.errors.EngineException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Function;

/**
 * {@code docker cp} and {@code docker export} over a container's view: the engine opens the view (its
 * root filesystem mounted, its mounts listed; a running container frozen while files are written into
 * it, as dockerd pauses it) and runs one of these in it.
 */
public final class ContainerFiles {

    private ContainerFiles() {}

    /** {@code HEAD /archive}: the stat of {@code path}, its last component not followed. */
    public static PathStat stat(ContainerView view, String path) throws IOException {
        try (ContainerView.Entry e = view.entry(path)) {
            if (!java.nio.file.Files.exists(e.path(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw view.notFound(path);
            }
            if ((path.endsWith("/") || path.endsWith("/.")) && !java.nio.file.Files.isDirectory(e.path(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                // a trailing separator asks for a directory, as the kernel reads such paths
                throw EngineException.invalid("Could not stat " + path + " in container " + view.name() + ": not a directory");
            }
            String linkTarget = "";
            if (java.nio.file.Files.isSymbolicLink(e.path())) {
                linkTarget = view.locate(path, false).path();     // where it leads inside the container
            }
            return PathStat.of(e.path(), baseName(path), linkTarget);
        }
    }

    /**
     * {@code GET /archive}: the stat goes to {@code open}, which answers where the tar goes; entries are
     * named from the path's last component ({@code .} for a path ending in {@code /.}: the contents only).
     */
    public static void archive(ContainerView view, String path, Function<PathStat, OutputStream> open) throws IOException {
        PathStat stat = stat(view, path);
        String name = path.endsWith("/.") ? "." : stat.name();
        try (OutputStream out = open.apply(stat)) {
            TreeArchiver.write(view, path, name, out);
        }
    }

    /** {@code PUT /archive}: unpacks {@code tar} (plain or gzip-compressed) into the directory {@code path}. */
    public static void extract(ContainerView view, String path, InputStream tar, boolean noOverwriteDirNonDir, int[] owner)
            throws IOException {
        TarExtractor.extract(view, path, dev.berth.host.Gzip.maybeCompressed(tar), new TarExtractor.Options(noOverwriteDirNonDir, owner));
    }

    /** {@code docker export}: the root filesystem without its mounts, entries named from the root down. */
    public static void export(ContainerView view, OutputStream out) throws IOException {
        ContainerView bare = new ContainerView(view.name(), view.root(), java.util.Map.of(), view.readOnlyPaths());
        TreeArchiver.writeContents(bare, out);
    }

    /** {@code docker commit}: a layer tar of the changes (their files under {@code dir}). */
    public static void writeChanges(java.nio.file.Path dir, java.util.List<dev.berth.rootfs.Changes.Change> changes, OutputStream out)
            throws IOException {
        TreeArchiver.writeChanges(dir, changes, out);
    }

    /** The last component of a path as the CLI names what it copies ("/" for the root). */
    static String baseName(String path) {
        String p = path;
        while (p.endsWith("/.") || (p.endsWith("/") && p.length() > 1)) {
            p = p.endsWith("/.") ? p.substring(0, p.length() - 2) : p.substring(0, p.length() - 1);
        }
        int slash = p.lastIndexOf('/');
        String name = slash < 0 ? p : p.substring(slash + 1);
        return name.isEmpty() ? "/" : name;
    }
}
