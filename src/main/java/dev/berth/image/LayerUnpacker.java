package dev.berth.image;

import dev.berth.errors.EngineException;
import dev.berth.host.FileTrees;
import dev.berth.host.Posix;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Unpacks a layer tar into a directory, refusing entries that would land outside it: absolute paths,
 * {@code ..}, parents that are symlinks, and links whose target leaves the layer. Owners, modes, xattrs,
 * device nodes and mtimes are kept (of xattrs only {@code user.*} and {@code security.capability}). Whiteouts are stored the way overlayfs reads them: {@code .wh.NAME}
 * becomes a 0/0 character device NAME, {@code .wh..wh..opq} the {@code trusted.overlay.opaque} xattr.
 */
final class LayerUnpacker {

    static final String WHITEOUT = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    static final String OPAQUE_XATTR = "trusted.overlay.opaque";

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final Path root;
    private final List<Map.Entry<Path, FileTime>> dirTimes = new ArrayList<>();

    private LayerUnpacker(Path root) {
        this.root = root;
    }

    /** Unpacks every entry of {@code tar} into {@code root}, which must exist. */
    static void unpack(InputStream tar, Path root) throws IOException {
        new LayerUnpacker(root).run(tar);
    }

    private void run(InputStream in) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        String last = null;
        while (true) {
            TarArchiveEntry e;
            try {
                e = tar.getNextEntry();
            } catch (IOException broken) {
                throw EngineException.invalid("invalid layer: the tar is damaged or cut short"
                        + (last == null ? "" : " after the entry \"" + last + "\"") + ": " + broken.getMessage());
            }
            if (e == null) {
                break;
            }
            last = e.getName();
            try {
                entry(tar, e);
            } catch (EngineException refused) {
                throw refused;
            } catch (IOException failed) {
                throw EngineException.invalid("invalid layer: tar entry \"" + e.getName() + "\" cannot be unpacked: " + failed.getMessage());
            }
        }
        for (var d : dirTimes.reversed()) {
            Files.setLastModifiedTime(d.getKey(), d.getValue());
        }
    }

    private void entry(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
        List<String> parts = components(e.getName());
        if (parts.isEmpty()) {
            return;     // "./": the layer root itself
        }
        Path parent = parents(parts.subList(0, parts.size() - 1), e.getName());
        String base = parts.getLast();
        if (base.equals(OPAQUE)) {
            Posix.lsetxattr(parent, OPAQUE_XATTR, "y".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        if (base.startsWith(WHITEOUT)) {
            String name = base.substring(WHITEOUT.length());
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.startsWith(WHITEOUT)) {
                throw invalid(e, "whiteout that names no file of its directory");
            }
            Path hidden = parent.resolve(name);
            FileTrees.delete(hidden);
            Posix.mknod(hidden, Posix.S_IFCHR, 0, 0, 0);
            return;
        }
        create(tar, e, parent.resolve(base));
    }

    private void create(TarArchiveInputStream tar, TarArchiveEntry e, Path target) throws IOException {
        boolean exists = Files.exists(target, NOFOLLOW);
        if (exists && !(e.isDirectory() && Files.isDirectory(target, NOFOLLOW))) {
            FileTrees.delete(target);   // a later entry replaces an earlier one, as in docker
        }
        if (e.isDirectory()) {
            if (!Files.isDirectory(target, NOFOLLOW)) {
                Files.createDirectory(target);
            }
        } else if (e.isSymbolicLink()) {
            checkSymlinkTarget(e, target.getParent(), e.getLinkName());
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
        } else if (e.isLink()) {
            List<String> linked = components(e.getLinkName());
            Path source = parents(linked.subList(0, linked.size() - 1), e.getName()).resolve(linked.getLast());
            if (!Files.exists(source, NOFOLLOW) || Files.isDirectory(source, NOFOLLOW)) {
                throw invalid(e, "hard link to " + e.getLinkName() + ", which is not a file of this layer");
            }
            Files.createLink(target, source);
            return;     // a hard link shares its target's metadata
        } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            int type = e.isCharacterDevice() ? Posix.S_IFCHR : e.isBlockDevice() ? Posix.S_IFBLK : Posix.S_IFIFO;
            Posix.mknod(target, type, e.getMode() & 07777, e.getDevMajor(), e.getDevMinor());
        } else if (e.isFile()) {
            try (var out = Files.newOutputStream(target)) {
                tar.transferTo(out);
            }
        } else {
            return;     // sockets and the like have no place in a layer
        }
        Files.setAttribute(target, "unix:uid", (int) e.getLongUserId(), NOFOLLOW);
        Files.setAttribute(target, "unix:gid", (int) e.getLongGroupId(), NOFOLLOW);
        if (!e.isSymbolicLink()) {
            Files.setAttribute(target, "unix:mode", e.getMode() & 07777);
            for (var x : e.getExtraPaxHeaders().entrySet()) {
                String name = x.getKey().startsWith("SCHILY.xattr.") ? x.getKey().substring("SCHILY.xattr.".length()) : "";
                // what a layer may carry: user attributes and file capabilities, never trusted.overlay.* or security labels
                if (name.startsWith("user.") || name.equals("security.capability")) {
                    Posix.lsetxattr(target, name, x.getValue().getBytes(StandardCharsets.ISO_8859_1));
                }
            }
            FileTime mtime = FileTime.from(e.getLastModifiedTime().toInstant());
            if (e.isDirectory()) {
                dirTimes.add(Map.entry(target, mtime));
            } else {
                Posix.setModifiedTime(target, mtime);    // not the JDK's: it opens the file, which blocks on a FIFO
            }
        }
    }

    /** The entry's path components, refusing anything that could land outside the layer. */
    private static List<String> components(String name) {
        if (name.startsWith("/")) {
            throw EngineException.invalid("invalid layer: tar entry \"" + name + "\" has an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                throw EngineException.invalid("invalid layer: tar entry \"" + name + "\" escapes the layer with ..");
            }
            parts.add(p);
        }
        return parts;
    }

    /** Walks (creating what is missing) to the directory of an entry; no step may be a symlink. */
    private Path parents(List<String> dirs, String entry) throws IOException {
        Path p = root;
        for (String d : dirs) {
            p = p.resolve(d);
            if (Files.isSymbolicLink(p)) {
                throw EngineException.invalid("invalid layer: tar entry \"" + entry + "\" goes through the symlink " + root.relativize(p));
            }
            if (!Files.exists(p, NOFOLLOW)) {
                Files.createDirectory(p);
            } else if (!Files.isDirectory(p, NOFOLLOW)) {
                throw EngineException.invalid("invalid layer: tar entry \"" + entry + "\" is below the file " + root.relativize(p));
            }
        }
        return p;
    }

    /** A relative symlink must not climb above the layer; an absolute one resolves inside the container anyway. */
    private void checkSymlinkTarget(TarArchiveEntry e, Path dir, String target) {
        if (target.startsWith("/")) {
            return;
        }
        int depth = dir.equals(root) ? 0 : root.relativize(dir).getNameCount();
        for (String part : target.split("/")) {
            if (part.equals("..")) {
                depth--;
            } else if (!part.isEmpty() && !part.equals(".")) {
                depth++;
            }
            if (depth < 0) {
                throw invalid(e, "symlink to " + target + ", outside the layer");
            }
        }
    }

    private static EngineException invalid(TarArchiveEntry e, String what) {
        return EngineException.invalid("invalid layer: tar entry \"" + e.getName() + "\" is a " + what);
    }
}
