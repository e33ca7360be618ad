package dev.berth.rootfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScopedPathTest {

    @TempDir
    Path dir;

    @Test
    void dotDotAndSymlinksStayInsideTheRoot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("abs"), Path.of("/etc"));
        Files.createSymbolicLink(root.resolve("rel"), Path.of("../../../../etc"));
        Files.createSymbolicLink(root.resolve("etc/loop"), Path.of("/etc/loop"));
        assertEquals(root.resolve("tmp/x"), ScopedPath.resolve(root, "/../../../../tmp/x"));
        assertEquals(root.resolve("etc/passwd"), ScopedPath.resolve(root, "/abs/passwd"));
        assertEquals(root.resolve("etc/passwd"), ScopedPath.resolve(root, "rel/passwd"));
        assertEquals(root.resolve("etc"), ScopedPath.resolve(root, "/abs/../abs/./"));
        assertEquals(root, ScopedPath.resolve(root, "/"));
        assertThrows(dev.berth.errors.EngineException.class, () -> ScopedPath.resolve(root, "/etc/loop/x"));
    }

    @Test
    void directoriesAreMadeInsideTheRoot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path host = Files.createDirectories(dir.resolve("host"));
        Files.createSymbolicLink(root.resolve("out"), host);
        assertEquals(root.resolve(host.toString().substring(1)).resolve("a/b"), ScopedPath.createDirectories(root, "/out/a/b"));
        assertTrue(Files.isDirectory(root.resolve(host.toString().substring(1)).resolve("a/b")));
        try (var made = Files.list(host)) {
            assertEquals(0, made.count());
        }
        Files.writeString(root.resolve("file"), "x");
        assertThrows(dev.berth.errors.EngineException.class, () -> ScopedPath.createDirectories(root, "/file/sub"));
    }

    @Test
    void filesAreReadByTheKernelInsideTheRoot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path secret = Files.writeString(dir.resolve("secret"), "host\n");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/group"), "g:x:5:\n");
        Files.createSymbolicLink(root.resolve("etc/passwd"), secret);
        Files.createSymbolicLink(root.resolve("etc/shadow"), Path.of("../../../secret"));
        assertEquals("g:x:5:\n", new String(ScopedPath.read(root, "/etc/group", 100).orElseThrow()));
        assertFalse(ScopedPath.read(root, "/etc/passwd", 100).isPresent(), "an absolute link resolves inside the root");
        assertFalse(ScopedPath.read(root, "/etc/shadow", 100).isPresent(), "a climbing link stops at the root");
        assertFalse(ScopedPath.read(root, "/etc", 100).isPresent(), "a directory is no file");
        assertThrows(java.io.IOException.class, () -> ScopedPath.read(root, "/etc/group", 3));
    }
}
