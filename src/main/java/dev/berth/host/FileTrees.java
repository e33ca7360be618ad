package dev.berth.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/** Whole-tree operations that never follow symlinks out of the tree. */
public final class FileTrees {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private FileTrees() {}

    /**
     * Deletes a file or a tree. Every directory is opened relative to its parent's fd without following a symlink
     * (the JDK's SecureDirectoryStream: openat and unlinkat), so a directory that a running container swaps for a
     * symlink meanwhile is deleted as the link it now is, never through it.
     */
    public static void delete(Path root) throws IOException {
        if (!Files.exists(root, NOFOLLOW)) {
            return;
        }
        if (!Files.isDirectory(root, NOFOLLOW)) {
            Files.delete(root);
            return;
        }
        Path parent = root.toAbsolutePath().getParent();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(parent)) {
            if (dir instanceof SecureDirectoryStream<Path> secure) {
                deleteIn(secure, root.getFileName());
                return;
            }
        }
        throw new IOException("cannot delete " + root + " safely: this platform has no fd-relative directory access");
    }

    private static void deleteIn(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        try {
            deleteEntry(parent, name);
        } catch (NoSuchFileException goneMeanwhile) {
            // what was to go is gone
        }
    }

    private static void deleteEntry(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        boolean directory = parent.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes().isDirectory();
        if (directory) {
            SecureDirectoryStream<Path> child;
            try {
                child = parent.newDirectoryStream(name, NOFOLLOW);
            } catch (NoSuchFileException gone) {
                throw gone;
            } catch (java.nio.file.FileSystemException swapped) {
                child = null;   // no directory any more (a symlink: ELOOP, ENOTDIR): deleted as what it is
            }
            if (child != null) {
                try (SecureDirectoryStream<Path> c = child) {
                    List<Path> names = new ArrayList<>();
                    c.forEach(p -> names.add(p.getFileName()));
                    for (Path n : names) {
                        deleteIn(c, n);
                    }
                }
                parent.deleteDirectory(name);
                return;
            }
        }
        parent.deleteFile(name);
    }

    /** Bytes used by the regular files in the tree. */
    public static long size(Path root) throws IOException {
        long[] total = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    total[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
