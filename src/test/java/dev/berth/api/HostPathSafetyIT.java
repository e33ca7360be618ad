package dev.berth.api;

import dev.berth.testing.DockerCli;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paths from requests and images resolve inside the container's root, never on the host (issue 12). */
class HostPathSafetyIT extends ContainerTestBase {

    @Test
    void workingDirWithDotDotStaysInTheContainer() throws Exception {
        Path outside = Path.of("/tmp", "berth-escape-" + ProcessHandle.current().pid());
        try {
            assertEquals(outside + "\n", ok("run", "--rm", "-w", "/../../../../../.." + outside, "busybox", "pwd").stdout());
            assertFalse(Files.exists(outside), "the working directory was created on the host");
            DockerCli.Result relative = docker.run("run", "--rm", "-w", "relative/dir", "busybox", "pwd");
            assertEquals(125, relative.exitCode());
            assertTrue(relative.stderr().contains("the working directory 'relative/dir' is invalid, it needs to be an absolute path"),
                    relative.stderr());
        } finally {
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void symlinksInTheImageResolveInsideItsRoot() throws Exception {
        Path hostDir = Files.createDirectories(daemon.dir().resolve("host-dir"));
        Path hostPasswd = Files.writeString(daemon.dir().resolve("host-passwd"), "eve:x:4242:4242::/:/bin/sh\n");
        Path tar = daemon.dir().resolve("links.tar");
        try (OutputStream f = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(f)) {
            symlink(t, "link", hostDir.toString());
            t.putArchiveEntry(new TarArchiveEntry("etc/"));
            t.closeArchiveEntry();
            symlink(t, "etc/passwd", hostPasswd.toString());
        }
        ok("import", tar.toString(), "links:latest");
        // the start fails (the image has no program), but only after the working directory was made
        DockerCli.Result r = docker.run("run", "--rm", "-w", "/link/sub", "links", "/nothing");
        assertEquals(127, r.exitCode(), r.stderr());
        try (var made = Files.list(hostDir)) {
            assertEquals(0, made.count(), "a directory was made through the image's symlink on the host");
        }
        DockerCli.Result user = docker.run("run", "--rm", "-u", "eve", "links", "/nothing");
        assertNotEquals(0, user.exitCode());
        assertTrue(user.stderr().contains("unable to find user eve"), "the host's passwd was read: " + user.stderr());
    }

    private static void symlink(TarArchiveOutputStream t, String name, String target) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
        e.setLinkName(target);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    @Test
    void theDefaultSeccompProfileIsDockers() throws Exception {
        String mount = "mkdir -p /mnt; unshare -Urm sh -c 'mount -t tmpfs none /mnt && echo mounted'";
        DockerCli.Result plain = docker.run("run", "--rm", "busybox", "sh", "-c", mount);
        assertNotEquals(0, plain.exitCode());
        assertTrue(plain.stderr().contains("Operation not permitted"), plain.stderr());
        assertEquals("mounted\n", ok("run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", mount).stdout());
        assertEquals("mounted\n", ok("run", "--rm", "--privileged", "busybox", "sh", "-c", mount).stdout());
        assertTrue(ok("info", "--format", "{{json .SecurityOptions}}").stdout().contains("name=seccomp,profile=builtin"));
    }
}
