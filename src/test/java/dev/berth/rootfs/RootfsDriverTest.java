package dev.berth.rootfs;

import dev.berth.image.Image;
import dev.berth.image.ImageStore;
import dev.berth.testing.BerthDaemon;
import dev.berth.testing.BusyboxImage;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Both root filesystem drivers, with real mounts and real layers: whiteouts, opaque dirs, owners, devices. */
class RootfsDriverTest {

    private Path dir;
    private ImageStore images;
    private List<Path> layers;

    @BeforeEach
    void image() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (mounts, device nodes): skipping");
        dir = BerthDaemon.scratch();
        images = new ImageStore(dir);
        ByteArrayOutputStream top = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = BusyboxImage.tar(top)) {
            BusyboxImage.file(tar, "bin/.wh.ls", new byte[0], 0644);
            BusyboxImage.dir(tar, "etc/", 0755, 0);
            BusyboxImage.file(tar, "etc/.wh..wh..opq", new byte[0], 0644);
            BusyboxImage.file(tar, "etc/hostname", "layered\n".getBytes(), 0644);
            TarArchiveEntry suid = new TarArchiveEntry("bin/suid");
            suid.setSize(2);
            suid.setMode(04755);
            suid.setUserId(1000);
            suid.setGroupId(1000);
            tar.putArchiveEntry(suid);
            tar.write("#!".getBytes());
            tar.closeArchiveEntry();
            TarArchiveEntry nul = new TarArchiveEntry("dev/null", TarArchiveEntry.LF_CHR);
            nul.setDevMajor(1);
            nul.setDevMinor(3);
            nul.setMode(0666);
            tar.putArchiveEntry(nul);
            tar.closeArchiveEntry();
        }
        images.load(new ByteArrayInputStream(BusyboxImage.archive(List.of(BusyboxImage.rootfs(), top.toByteArray()), "[\"sh\"]", "two:1")));
        Image image = images.get("two:1");
        layers = image.config().diffIds().stream().map(images::layerPath).toList();
    }

    @AfterEach
    void clean() throws Exception {
        if (dir != null) {
            BerthDaemon.deleteTree(dir);
        }
    }

    private static void assertMerged(Path rootfs) throws Exception {
        assertTrue(Files.isExecutable(rootfs.resolve("bin/busybox")));
        assertTrue(Files.isSymbolicLink(rootfs.resolve("bin/sh")));
        assertFalse(Files.exists(rootfs.resolve("bin/ls"), LinkOption.NOFOLLOW_LINKS), "whiteout ignored");
        assertFalse(Files.exists(rootfs.resolve("etc/passwd")), "opaque dir showed the lower layer");
        assertEquals("layered\n", Files.readString(rootfs.resolve("etc/hostname")));
        assertEquals(04755, (Integer) Files.getAttribute(rootfs.resolve("bin/suid"), "unix:mode") & 07777);
        assertEquals(1000, Files.getAttribute(rootfs.resolve("bin/suid"), "unix:uid"));
        assertEquals(1000, Files.getAttribute(rootfs.resolve("home/user"), "unix:uid"));
        assertEquals(01777, (Integer) Files.getAttribute(rootfs.resolve("tmp"), "unix:mode") & 07777);
        long rdev = (Long) Files.getAttribute(rootfs.resolve("dev/null"), "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        assertEquals(0x103, rdev);
    }

    private void exercise(RootfsDriver driver) throws Exception {
        Path rootfs = driver.mount("c1", layers);
        assertMerged(rootfs);
        Files.writeString(rootfs.resolve("tmp/written"), "mine");
        Files.delete(rootfs.resolve("bin/cat"));
        for (Path layer : layers) {
            assertFalse(Files.exists(layer.resolve("tmp/written")), "a container wrote into an image layer");
        }
        assertTrue(Files.exists(layers.getFirst().resolve("bin/cat"), LinkOption.NOFOLLOW_LINKS));
        Path other = driver.mount("c2", layers);
        assertTrue(Files.exists(other.resolve("bin/cat"), LinkOption.NOFOLLOW_LINKS), "containers share changes");
        driver.unmount("c1");
        assertEquals("mine", Files.readString(driver.mount("c1", layers).resolve("tmp/written")), "changes lost on remount");
        driver.remove("c1");
        driver.remove("c2");
        driver.remove("c2");
        assertFalse(Files.exists(dir.resolve("rootfs/c1")));
    }

    @Test
    void overlayLayersTheImageAndKeepsChangesApart() throws Exception {
        RootfsDriver overlay = RootfsDrivers.open(dir, null);
        assumeTrue(overlay.name().equals("overlay"), "overlayfs does not mount here: skipping");
        exercise(overlay);
        try (var mounts = Files.lines(Path.of("/proc/self/mountinfo"))) {
            assertFalse(mounts.anyMatch(l -> l.contains(dir.toString())), "a mount was left behind");
        }
    }

    @Test
    void theCopyDriverGivesTheSameTree() throws Exception {
        RootfsDriver vfs = RootfsDrivers.open(dir, "vfs");
        assertEquals("vfs", vfs.name());
        exercise(vfs);
    }

    @Test
    void unknownDriversAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RootfsDrivers.open(dir, "zfs")).getMessage().contains("zfs"));
    }
}
