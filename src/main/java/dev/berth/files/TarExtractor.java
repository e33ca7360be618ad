package dev.berth.files;

import dev.berth.errors.EngineException;
import dev.berth.host.FileTrees;
import dev.berth.host.Ids;
import dev.berth.host.Posix;
import dev.berth.rootfs.ScopedPath;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Unpacks a tar into a directory of a container ({@code docker cp} into it, {@code PUT /archive}).
 * Every entry is placed through its parent directory's fd, found within the container's view: an entry
 * that would climb out of the destination is refused, symlinks on the way resolve inside the container,
 * and a symlink in an entry's place is replaced, never followed. A file appears whole or not at all
 * (written beside its place, then renamed).
 */
final class TarExtractor {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    /** How the client asked: refuse to replace a directory with a file or the other way round; owner for everything (null: the tar's). */
    record Options(boolean noOverwriteDirNonDir, int[] owner) {}

    private final ContainerView view;
    private final String dest;
    private final Options options;
    /** A directory's time, set once everything in it is written (each entry written changes it). */
    private record DirTime(Path dir, FileTime time) {}

    private final List<DirTime> dirTimes = new ArrayList<>();

    private TarExtractor(ContainerView view, String dest, Options options) {
        this.view = view;
        this.dest = dest;
        this.options = options;
    }

    static void extract(ContainerView view, String path, InputStream in, Options options) throws IOException {
        ScopedPath.Location where = view.locate(path, false);
        int fd = view.openDirectory(where);
        if (fd < 0) {
            try (ContainerView.Entry e = view.entry(path)) {
                if (Files.exists(e.path())) {
                    throw EngineException.invalid("extraction point is not a directory");
                }
            }
            throw view.notFound(path);
        }
        Posix.close(fd);
        if (view.readOnly(where.path())) {
            throw EngineException.forbidden("container rootfs is marked read-only");
        }
        new TarExtractor(view, where.path(), options).run(in);
    }

    private void run(InputStream in) throws IOException {
        Position at = new Position(in);
        TarArchiveInputStream tar = new TarArchiveInputStream(at, "UTF-8");
        long dataEnd = -1;
        while (true) {
            TarArchiveEntry e;
            try {
                e = tar.getNextEntry();
            } catch (IOException broken) {
                if (at.ended && at.count == dataEnd) {
                    // the stream ends right after an entry's data, without padding or end blocks: Go's tar reader
                    // takes that as the end, and the docker CLI sends it so (a Dockerfile from outside the context)
                    break;
                }
                throw EngineException.invalid("invalid tar archive: " + broken.getMessage());
            }
            if (e == null) {
                break;
            }
            String rel = inside(e.getName());
            if (!rel.isEmpty()) {       // else "." or "/": the destination itself
                place(e, rel, tar);
            }
            dataEnd = tar.available() == 0 ? at.count : -1;
        }
        for (DirTime t : dirTimes.reversed()) {
            try {
                Files.getFileAttributeView(t.dir(), BasicFileAttributeView.class, NOFOLLOW).setTimes(t.time(), null, null);
            } catch (IOException ignored) {
                // a directory removed by a later entry
            }
        }
    }

    /** The entry's path below the destination, cleaned; one that climbs out is refused as dockerd refuses it. */
    private static String inside(String name) {
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw EngineException.invalid("invalid tar entry \"" + name + "\": it would be written outside the destination");
                }
                parts.removeLast();
            } else {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }

    private void place(TarArchiveEntry e, String rel, InputStream data) throws IOException {
        String containerPath = (dest.equals("/") ? "" : dest) + "/" + rel;
        int slash = rel.lastIndexOf('/');
        String name = rel.substring(slash + 1);
        int parent = directory(slash < 0 ? dest : (dest.equals("/") ? "" : dest) + "/" + rel.substring(0, slash));
        try {
            Path target = Posix.fdPath(parent).resolve(name);
            boolean exists = Files.exists(target, NOFOLLOW);
            boolean existingDir = exists && Files.isDirectory(target, NOFOLLOW);
            if (exists && options.noOverwriteDirNonDir() && existingDir != e.isDirectory()) {
                throw EngineException.invalid(existingDir
                        ? "cannot overwrite directory \"" + containerPath + "\" with non-directory \"" + e.getName() + "\""
                        : "cannot overwrite non-directory \"" + containerPath + "\" with directory \"" + e.getName() + "\"");
            }
            if (e.isDirectory()) {
                if (!existingDir) {
                    if (exists) {
                        Files.delete(target);
                    }
                    Files.createDirectory(target);
                }
                attributes(target, e);
                dirTimes.add(new DirTime(target, FileTime.from(e.getModTime().toInstant())));
                return;
            }
            if (regular(e)) {
                Path tmp = Posix.fdPath(parent).resolve(".berth-cp-" + Ids.random().substring(0, 16));
                try {
                    try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        copy(data, out, e.getSize(), containerPath);
                    }
                    attributes(tmp, e);
                    replace(target, existingDir);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                return;
            }
            replace(target, existingDir);
            if (exists && !existingDir) {
                Files.deleteIfExists(target);
            }
            if (e.isSymbolicLink()) {
                Files.createSymbolicLink(target, Path.of(e.getLinkName()));
            } else if (e.isLink()) {
                try (ContainerView.Entry linked = view.entry((dest.equals("/") ? "" : dest) + "/" + inside(e.getLinkName()))) {
                    if (view.readOnly(linked.where().path())) {
                        // a hard link is the file itself: one in a writable place would make a read-only one writable
                        throw EngineException.forbidden("cannot extract " + e.getName() + ": it links to " + linked.where().path()
                                + ", which is on a read-only mount");
                    }
                    Files.createLink(target, linked.path());
                }
                return;
            } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                Posix.mknod(target, e.isCharacterDevice() ? Posix.S_IFCHR : e.isBlockDevice() ? Posix.S_IFBLK : Posix.S_IFIFO,
                        e.getMode() & 07777, e.getDevMajor(), e.getDevMinor());
            } else {
                throw EngineException.invalid("invalid tar entry \"" + e.getName() + "\": unsupported type " + (char) e.getLinkFlag());
            }
            attributes(target, e);
        } finally {
            Posix.close(parent);
        }
    }

    /** A plain file's entry (commons-compress counts links and devices as files too). */
    private static boolean regular(TarArchiveEntry e) {
        return !e.isDirectory() && !e.isSymbolicLink() && !e.isLink() && !e.isCharacterDevice() && !e.isBlockDevice() && !e.isFIFO()
                && (e.getLinkFlag() == TarConstants.LF_NORMAL || e.getLinkFlag() == TarConstants.LF_OLDNORM
                || e.getLinkFlag() == TarConstants.LF_CONTIG);
    }

    /** A directory in an entry's place goes (unless the client said not to replace one, checked before). */
    private static void replace(Path target, boolean existingDir) throws IOException {
        if (existingDir) {
            FileTrees.delete(target);
        }
    }

    /**
     * The fd of a directory inside the destination, made when missing: the path is resolved in the
     * container first, and the missing components of where it leads are made, as {@code mkdir -p} there.
     */
    private int directory(String path) throws IOException {
        ScopedPath.Location where = view.locate(path, false);
        // where it leads, through symlinks the tar itself may have made: never onto a read-only mount
        if (view.readOnly(where.path())) {
            throw EngineException.forbidden("cannot extract into " + path + " in container " + view.name() + ": "
                    + where.path() + " is on a read-only mount");
        }
        int fd = view.openDirectory(where);
        if (fd >= 0) {
            return fd;
        }
        String done = "";
        for (String part : where.relative().split("/")) {
            String next = done.isEmpty() ? part : done + "/" + part;
            int existing = Posix.openInRoot(where.base(), next, Posix.O_RDONLY | Posix.O_DIRECTORY);
            if (existing >= 0) {
                Posix.close(existing);
            } else {
                int parent = Posix.openInRoot(where.base(), done.isEmpty() ? "." : done, Posix.O_RDONLY | Posix.O_DIRECTORY);
                if (parent < 0) {
                    throw new IOException("cannot open " + done + " in container " + view.name());
                }
                try {
                    Path made = Posix.fdPath(parent).resolve(part);
                    if (Files.exists(made, NOFOLLOW)) {
                        throw EngineException.invalid("cannot extract into " + path + ": /" + next + " is not a directory");
                    }
                    Files.createDirectory(made);
                } finally {
                    Posix.close(parent);
                }
            }
            done = next;
        }
        fd = view.openDirectory(where);
        if (fd < 0) {
            throw new IOException("cannot open " + path + " in container " + view.name());
        }
        return fd;
    }

    /** Owner (the tar's, or the one asked for), mode and mtime; none of them follows a symlink. */
    private void attributes(Path p, TarArchiveEntry e) throws IOException {
        int uid = options.owner() != null ? options.owner()[0] : (int) e.getLongUserId();
        int gid = options.owner() != null ? options.owner()[1] : (int) e.getLongGroupId();
        Files.setAttribute(p, "unix:uid", uid, NOFOLLOW);
        Files.setAttribute(p, "unix:gid", gid, NOFOLLOW);
        if (!e.isSymbolicLink()) {
            // after chown, which clears setuid bits; never through a symlink a co-tenant of a shared volume swapped in
            Posix.chmodNoFollow(p, e.getMode() & 07777);
        }
        Posix.setModifiedTime(p, FileTime.from(e.getModTime().toInstant()));     // without opening it (a FIFO would block)
    }

    private static void copy(InputStream in, OutputStream out, long size, String path) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n;
            try {
                n = in.read(buf, 0, (int) Math.min(buf.length, left));
            } catch (IOException cut) {
                throw EngineException.invalid("the archive was cut short in " + path + ": " + cut.getMessage());
            }
            if (n < 0) {
                throw EngineException.invalid("the archive was cut short in " + path);
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** Where the archive's reader is in the stream, and whether the stream has ended. */
    private static final class Position extends java.io.FilterInputStream {
        long count;
        boolean ended;

        Position(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b < 0) {
                ended = true;
            } else {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n < 0) {
                ended = true;
            } else {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // read, not skipped: an input stream's skip cannot tell its end from a pause
            byte[] buf = new byte[(int) Math.min(n, 8192)];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }
    }
}
