package dev.berth.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deleting a tree goes through directory fds and never through a symlink, wherever one stands. */
class FileTreesTest {

    @Test
    void aTreeGoesWithItsLinksButNothingTheyPointAt(@TempDir Path dir) throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "host data");
        Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
        Files.writeString(tree.resolve("f"), "x");
        Files.createSymbolicLink(dir.resolve("tree/a/link"), outside);
        Files.createSymbolicLink(dir.resolve("tree/dangling"), dir.resolve("nowhere"));
        FileTrees.delete(dir.resolve("tree"));
        assertFalse(Files.exists(dir.resolve("tree")));
        assertEquals("host data", Files.readString(outside.resolve("keep")));

        // a symlink given as the tree itself is removed as a link
        Path link = Files.createSymbolicLink(dir.resolve("toOutside"), outside);
        FileTrees.delete(link);
        assertFalse(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(outside.resolve("keep")));
        FileTrees.delete(dir.resolve("never-was"));
    }
}
