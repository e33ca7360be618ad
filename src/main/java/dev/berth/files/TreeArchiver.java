package dev.berth.files;

import dev.berth.host.Posix;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a tree of a container's files as a tar (what {@code docker cp} and {@code docker export} send):
 * owners, modes, mtimes, symlinks, hard links, devices and FIFOs kept. Directories are walked through
 * their fds and each entry is opened without following a symlink in its place, so a container that swaps
 * a symlink in while it is read cannot make the tar hold a host file. Mount points on the way are
 * crossed into their sources, as the container sees them.
 */
final class TreeArchiver {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int S_IFMT = 0170000;

    private final ContainerView view;
    private final TarArchiveOutputStream tar;
    private final Map<String, String> firstLinkByInode = new HashMap<>();

    private TreeArchiver(ContainerView view, OutputStream out) {
        this.view = view;
        this.tar = new TarArchiveOutputStream(out, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    /** The file or tree at {@code path} (its last component not followed), named {@code name} in the tar. */
    static void write(ContainerView view, String path, String name, OutputStream out) throws IOException {
        TreeArchiver a = new TreeArchiver(view, out);
        try (ContainerView.Entry e = view.entry(path)) {
            if (!Files.exists(e.path(), NOFOLLOW)) {
                throw view.notFound(path);
            }
            a.entry(e.path(), e.where().path(), name, true);
        }
        a.tar.finish();
        a.tar.flush();
    }

    /** Everything under the root, named from the root down (bin/, etc/passwd, ...), as {@code docker export} has it. */
    static void writeContents(ContainerView view, OutputStream out) throws IOException {
        TreeArchiver a = new TreeArchiver(view, out);
        a.children(view.root(), "/", "");
        a.tar.finish();
        a.tar.flush();
    }

    /**
     * A layer tar of a container's changes ({@code docker commit}): the added and changed entries from
     * {@code dir} (where the changes' files are), each deletion as a whiteout ({@code .wh.<name>}), an opaque
     * directory (overlayfs's: its lower contents hidden) with an opaque whiteout ({@code .wh..wh..opq}).
     */
    static void writeChanges(Path dir, List<dev.berth.rootfs.Changes.Change> changes, OutputStream out) throws IOException {
        TreeArchiver a = new TreeArchiver(new ContainerView("", dir, Map.of(), java.util.Set.of()), out);
        for (var c : changes) {
            String name = c.path().substring(1);
            if (c.kind() == 'D') {
                int slash = name.lastIndexOf('/');
                a.whiteout(name.substring(0, slash + 1) + ".wh." + name.substring(slash + 1));
                continue;
            }
            // the parent opened inside the layer's dir (RESOLVE_IN_ROOT): a directory a running container swaps for
            // a symlink meanwhile cannot lead to the host's files
            int slash = name.lastIndexOf('/');
            int parent = Posix.openInRoot(dir, slash < 0 ? "." : name.substring(0, slash), Posix.O_PATH | Posix.O_DIRECTORY);
            if (parent < 0) {
                continue;       // gone meanwhile
            }
            try {
                Path host = Posix.fdPath(parent).resolve(name.substring(slash + 1));
                a.entry(host, c.path(), name, false);
                if (Files.isDirectory(host, NOFOLLOW) && Posix.lgetxattr(host, "trusted.overlay.opaque") != null) {
                    a.whiteout(name + "/.wh..wh..opq");
                }
            } finally {
                Posix.close(parent);
            }
        }
        a.tar.finish();
        a.tar.flush();
    }

    private void whiteout(String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        e.setMode(0644);
        e.setModTime(FileTime.fromMillis(0));
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private void entry(Path host, String containerPath, String name, boolean recursive) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(host, "unix:mode,uid,gid,size,lastModifiedTime,ino,dev,nlink,rdev", NOFOLLOW);
        } catch (java.nio.file.NoSuchFileException goneMeanwhile) {
            return;
        }
        int mode = (Integer) a.get("mode");
        int type = mode & S_IFMT;
        if (type == 0140000) {
            return;     // sockets: tar has no such entry, as with dockerd
        }
        boolean dir = type == 0040000;
        TarArchiveEntry e;
        String inode = a.get("dev") + ":" + a.get("ino");
        if (type == 0100000 && (Integer) a.get("nlink") > 1 && firstLinkByInode.containsKey(inode)) {
            e = new TarArchiveEntry(name, TarConstants.LF_LINK);
            e.setLinkName(firstLinkByInode.get(inode));
        } else if (type == 0120000) {
            e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
            try {
                e.setLinkName(Files.readSymbolicLink(host).toString());
            } catch (java.nio.file.NotLinkException | java.nio.file.NoSuchFileException changedMeanwhile) {
                return;     // a running container replaced it since it was listed
            }
        } else if (type == 0020000 || type == 0060000 || type == 0010000) {
            e = new TarArchiveEntry(name, type == 0020000 ? TarConstants.LF_CHR : type == 0060000 ? TarConstants.LF_BLK : TarConstants.LF_FIFO);
            long rdev = (Long) a.get("rdev");
            e.setDevMajor((int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)));
            e.setDevMinor((int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)));
        } else {
            e = new TarArchiveEntry(dir ? name + "/" : name, dir ? TarConstants.LF_DIR : TarConstants.LF_NORMAL);
            if (!dir) {
                e.setSize((Long) a.get("size"));
                if ((Integer) a.get("nlink") > 1) {
                    firstLinkByInode.put(inode, name);
                }
            }
        }
        e.setMode(mode & 07777);
        e.setIds((Integer) a.get("uid"), (Integer) a.get("gid"));
        e.setModTime((FileTime) a.get("lastModifiedTime"));
        tar.putArchiveEntry(e);
        if (e.getLinkFlag() == TarConstants.LF_NORMAL) {
            copyContents(host, (Long) a.get("dev"), (Long) a.get("ino"), e.getSize());
        }
        tar.closeArchiveEntry();
        if (dir && recursive) {
            children(host, containerPath, name);
        }
    }

    private void children(Path host, String containerPath, String name) throws IOException {
        int fd = Posix.openDirectory(host);
        if (fd < 0) {
            return;     // replaced meanwhile
        }
        try {
            Path dir = Posix.fdPath(fd);
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                s.forEach(p -> names.add(p.getFileName().toString()));
            }
            names.sort(null);
            for (String child : names) {
                String childPath = containerPath.equals("/") ? "/" + child : containerPath + "/" + child;
                Path mount = view.mounts().get(childPath);
                entry(mount != null ? mount : dir.resolve(child), childPath, name.isEmpty() ? child : name + "/" + child, true);
            }
        } finally {
            Posix.close(fd);
        }
    }

    /**
     * A regular file's contents: what the entry names now is opened without being read (O_PATH, no follow) and
     * read only when it is still the regular file that was listed (same device and inode). A running container
     * that swapped in a device node, a FIFO or another file meanwhile gets zeros, as for a file that shrank:
     * the daemon never opens a device or FIFO on the host's side of the container.
     */
    private void copyContents(Path host, long dev, long ino, long size) throws IOException {
        int fd = Posix.openPath(host);
        try {
            Posix.FileStat now = fd < 0 ? null : Posix.fstat(fd);
            if (now == null || !now.regular() || now.dev() != dev || now.ino() != ino) {
                copyExactly(InputStream.nullInputStream(), size);
                return;
            }
            try (InputStream in = Posix.openRegular(fd, now, host.toString())) {
                copyExactly(in, size);
            }
        } finally {
            if (fd >= 0) {
                Posix.close(fd);
            }
        }
    }

    /** The size the header promised, whatever the file does meanwhile: cut when it grew, zeros when it shrank. */
    private void copyExactly(InputStream in, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                java.util.Arrays.fill(buf, (byte) 0);
                while (left > 0) {
                    int z = (int) Math.min(buf.length, left);
                    tar.write(buf, 0, z);
                    left -= z;
                }
                return;
            }
            tar.write(buf, 0, n);
            left -= n;
        }
    }
}
