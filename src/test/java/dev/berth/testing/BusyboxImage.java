package dev.berth.testing;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The test image: a busybox root filesystem made from Debian's busybox-static (the binary plus one
 * symlink per applet, /etc/passwd with root, nobody and a uid-1000 user), as a docker-archive.
 * Entries carry a fixed time, so the same busybox gives the same image id every run.
 */
public final class BusyboxImage {

    public static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final long MTIME = 1_700_000_000_000L;

    private BusyboxImage() {}

    /** The root filesystem as a layer tar. */
    public static byte[] rootfs() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(BUSYBOX), "busybox-static is not installed (daemon/setup --test installs it): skipping");
        Process p = new ProcessBuilder(BUSYBOX.toString(), "--list").start();
        List<String> applets = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(a -> !a.isBlank() && !a.equals("busybox")).toList();
        p.waitFor();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = tar(buf)) {
            for (String d : List.of("bin/", "etc/", "home/", "home/user/", "root/", "tmp/", "var/", "proc/", "sys/", "dev/")) {
                dir(tar, d, d.equals("tmp/") ? 01777 : d.equals("root/") ? 0700 : 0755, d.equals("home/user/") ? 1000 : 0);
            }
            file(tar, "bin/busybox", Files.readAllBytes(BUSYBOX), 0755);
            for (String a : applets) {
                TarArchiveEntry e = new TarArchiveEntry("bin/" + a, TarArchiveEntry.LF_SYMLINK);
                e.setLinkName("busybox");
                e.setModTime(MTIME);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            file(tar, "etc/passwd", ("root:x:0:0:root:/root:/bin/sh\n"
                    + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                    + "user:x:1000:1000:user:/home/user:/bin/sh\n").getBytes(StandardCharsets.UTF_8), 0644);
            file(tar, "etc/group", "root:x:0:\nnogroup:x:65534:\nuser:x:1000:\n".getBytes(StandardCharsets.UTF_8), 0644);
        }
        return buf.toByteArray();
    }

    /** A docker-archive (as {@code docker save} wrote them before Docker 25) of busybox under these names. */
    public static byte[] archive(String... tags) throws IOException, InterruptedException {
        return archive(rootfs(), "[\"sh\"]", tags);
    }

    /** A docker-archive of one layer and a config with this Cmd (JSON), under these names. */
    public static byte[] archive(byte[] layer, String cmdJson, String... tags) throws IOException {
        return archive(List.of(layer), cmdJson, tags);
    }

    /** A docker-archive of these layers (bottom first) and a config with this Cmd (JSON), under these names. */
    public static byte[] archive(List<byte[]> layers, String cmdJson, String... tags) throws IOException {
        List<String> diffIds = layers.stream().map(BusyboxImage::sha256).toList();
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2023-11-14T22:13:20Z\","
                + "\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":" + cmdJson
                + ",\"Labels\":{\"org.berth.test\":\"busybox\"}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds.stream().map(d -> "\"sha256:" + d + "\"").toList()) + "]},"
                + "\"history\":[{\"created\":\"2023-11-14T22:13:20Z\",\"created_by\":\"berth test: busybox-static rootfs\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        String configHex = sha256(config);
        List<String> quoted = new ArrayList<>();
        for (String t : tags) {
            quoted.add("\"" + t + "\"");
        }
        byte[] manifest = ("[{\"Config\":\"" + configHex + ".json\",\"RepoTags\":[" + String.join(",", quoted)
                + "],\"Layers\":[" + String.join(",", diffIds.stream().map(d -> "\"" + d + "/layer.tar\"").toList()) + "]}]")
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = tar(buf)) {
            for (int i = 0; i < layers.size(); i++) {
                dir(tar, diffIds.get(i) + "/", 0755, 0);
                file(tar, diffIds.get(i) + "/layer.tar", layers.get(i), 0644);
            }
            file(tar, configHex + ".json", config, 0644);
            file(tar, "manifest.json", manifest, 0644);
        }
        return buf.toByteArray();
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TarArchiveOutputStream tar(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        return tar;
    }

    public static void dir(TarArchiveOutputStream tar, String name, int mode, int uid) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(mode);
        e.setUserId(uid);
        e.setGroupId(uid);
        e.setModTime(MTIME);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    public static void file(TarArchiveOutputStream tar, String name, byte[] data, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setMode(mode);
        e.setModTime(MTIME);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }
}
