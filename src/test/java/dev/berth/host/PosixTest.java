package dev.berth.host;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The libc calls that keep the daemon off what a container plants: pidfds, O_PATH opens, statx, no-follow chmod and times. */
class PosixTest {

    @Test
    void aPidfdKillsItsProcessAndNoOneAfterIt() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        int fd = Posix.pidfdOpen(p.pid());
        assertTrue(fd >= 0);
        try {
            assertTrue(Posix.pidfdSignal(fd, 9));
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue());
            assertFalse(Posix.pidfdSignal(fd, 9), "a reaped process still took a signal");
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void filesAContainerPlantsAreStatedAndChangedWithoutBeingOpenedOrFollowed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path fifo = dir.resolve("fifo");
        Posix.mknod(fifo, Posix.S_IFIFO, 0644, 0, 0);
        int fd = Posix.openPath(fifo);
        try {
            Posix.FileStat st = Posix.fstat(fd);
            assertEquals("a FIFO", st.kind());
            assertEquals(java.nio.file.Files.getAttribute(fifo, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS), st.ino());
            assertEquals(java.nio.file.Files.getAttribute(fifo, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS), st.dev());
            assertThrows(Posix.NotRegularFile.class, () -> Posix.openRegular(fd, "fifo"));
        } finally {
            Posix.close(fd);
        }
        // neither blocks on the FIFO (the JDK's setLastModifiedTime would, opening it)
        Posix.setModifiedTime(fifo, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        assertEquals(1_000_000, java.nio.file.Files.getLastModifiedTime(fifo, java.nio.file.LinkOption.NOFOLLOW_LINKS).toMillis());
        Posix.chmodNoFollow(fifo, 0600);
        assertEquals(0600, (Integer) java.nio.file.Files.getAttribute(fifo, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 07777);
        // a symlink in the last component is not followed
        java.nio.file.Path target = java.nio.file.Files.writeString(dir.resolve("target"), "x");
        java.nio.file.Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        java.nio.file.Path link = java.nio.file.Files.createSymbolicLink(dir.resolve("link"), target);
        Posix.chmodNoFollow(link, 0777);
        assertEquals(0644, (Integer) java.nio.file.Files.getAttribute(target, "unix:mode") & 07777, "chmod followed a symlink");
        int l = Posix.openPath(link);
        try {
            assertEquals("a symlink", Posix.fstat(l).kind());
        } finally {
            Posix.close(l);
        }
        int r = Posix.openPath(target);
        try (var in = Posix.openRegular(r, "target")) {
            assertEquals("x", new String(in.readAllBytes()));
        } finally {
            Posix.close(r);
        }
    }
}
