package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.BusyboxImage;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The image store's promises: streaming loads, crash safety, the OCI layout, other engines reading our saves. */
class ImageStorageIT {

    private Path dir;

    @BeforeEach
    void scratch() throws Exception {
        dir = BerthDaemon.scratch();
    }

    @AfterEach
    void clean() throws Exception {
        BerthDaemon.deleteTree(dir);
    }

    private static final long BIG = 100L << 20;

    /** A docker-archive with one layer holding one 100 MiB file, generated while it is sent. */
    private static void bigArchive(OutputStream out) throws Exception {
        TarArchiveOutputStream outer = BusyboxImage.tar(out);
        TarArchiveEntry layerEntry = new TarArchiveEntry("layer.tar");
        layerEntry.setSize(512 + BIG + 1024);
        outer.putArchiveEntry(layerEntry);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        OutputStream tee = new DigestOutputStream(new java.io.FilterOutputStream(outer) {
            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                outer.write(b, off, len);
            }

            @Override
            public void close() {
            }
        }, md);
        TarArchiveOutputStream inner = new TarArchiveOutputStream(tee, 512);
        TarArchiveEntry big = new TarArchiveEntry("big");
        big.setSize(BIG);
        inner.putArchiveEntry(big);
        Random random = new Random(42);
        byte[] chunk = new byte[1 << 16];
        for (long written = 0; written < BIG; written += chunk.length) {
            random.nextBytes(chunk);
            inner.write(chunk);
        }
        inner.closeArchiveEntry();
        inner.finish();
        outer.closeArchiveEntry();
        String diffId = HexFormat.of().formatHex(md.digest());
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\"sha256:" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        BusyboxImage.file(outer, "config.json", config, 0644);
        BusyboxImage.file(outer, "manifest.json", "[{\"Config\":\"config.json\",\"RepoTags\":[\"big:1\"],\"Layers\":[\"layer.tar\"]}]"
                .getBytes(StandardCharsets.UTF_8), 0644);
        outer.finish();
    }

    @Test
    void loadingStreamsTheArchiveInsteadOfHoldingIt() throws Exception {
        // A 48 MiB heap cannot hold a 100 MiB archive: this load only works if it streams.
        try (BerthDaemon d = BerthDaemon.startIn(dir, Map.of("BERTH_JAVA_OPTS", "-Xmx48m"))) {
            RawHttp.Response r = RawHttp.streamRequest(d.socket(), "POST", "/images/load", ImageStorageIT::bigArchive);
            assertEquals(200, r.status(), r.bodyText() + "\n" + d.log());
            assertTrue(r.bodyText().contains("Loaded image: big:1"), r.bodyText());
            assertEquals(BIG, Files.size(d.dir().resolve("root/image/layers").toFile().listFiles()[0].toPath().resolve("big")));
        }
    }

    @Test
    void aDaemonKilledMidLoadLeavesNoHalfImage() throws Exception {
        BerthDaemon d = BerthDaemon.startIn(dir);
        byte[] archive = BusyboxImage.archive("busybox:latest");
        try (RawHttp c = new RawHttp(d.socket())) {
            c.write(("POST /images/load HTTP/1.1\r\nHost: d\r\nContent-Length: " + archive.length + "\r\n\r\n").getBytes());
            c.write(java.util.Arrays.copyOf(archive, archive.length * 3 / 4));
            Thread.sleep(500);
            d.process().destroyForcibly();
            assertTrue(d.process().waitFor(10, TimeUnit.SECONDS));
        }
        try (BerthDaemon again = BerthDaemon.startIn(dir)) {
            assertEquals("[]", RawHttp.request(again.socket(), "GET", "/images/json", Map.of(), null).bodyText());
            try (Stream<Path> tmp = Files.list(dir.resolve("root/image/tmp"));
                 Stream<Path> blobs = Files.list(dir.resolve("root/image/blobs/sha256"))) {
                assertEquals(0, tmp.count(), "leftovers of the killed load");
                assertEquals(0, blobs.count(), "blobs no image uses");
            }
        }
    }

    /** Our save output without its docker-archive files: a plain OCI image layout, as skopeo writes them. */
    @Test
    void anOciLayoutArchiveLoadsWithItsNames() throws Exception {
        try (BerthDaemon d = BerthDaemon.startIn(dir)) {
            assertEquals(200, RawHttp.request(d.socket(), "POST", "/images/load", Map.of(), BusyboxImage.archive("busybox:latest")).status());
            byte[] saved = RawHttp.request(d.socket(), "GET", "/images/get?names=busybox", Map.of(), null).body();
            assertEquals(200, RawHttp.request(d.socket(), "DELETE", "/images/busybox", Map.of(), null).status());
            ByteArrayOutputStream oci = new ByteArrayOutputStream();
            try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(saved));
                 TarArchiveOutputStream out = BusyboxImage.tar(oci)) {
                for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                    if (e.getName().equals("manifest.json") || e.getName().equals("repositories")) {
                        continue;
                    }
                    out.putArchiveEntry(e);
                    in.transferTo(out);
                    out.closeArchiveEntry();
                }
            }
            RawHttp.Response r = RawHttp.request(d.socket(), "POST", "/images/load", Map.of(), oci.toByteArray());
            assertEquals(200, r.status(), r.bodyText());
            assertTrue(r.bodyText().contains("Loaded image: busybox:latest"), r.bodyText());
        }
    }

    @Test
    void podmanLoadsWhatBerthSaves() throws Exception {
        Path podman = Path.of("/usr/bin/podman");
        assumeTrue(Files.isExecutable(podman), "podman not installed: skipping");
        try (BerthDaemon d = BerthDaemon.startIn(dir)) {
            DockerCli docker = DockerCli.against(d);
            Path tar = Files.write(dir.resolve("busybox.tar"), BusyboxImage.archive("busybox:latest"));
            assertEquals(0, docker.run("load", "-i", tar.toString()).exitCode());
            Path saved = dir.resolve("saved.tar");
            assertEquals(0, docker.run("save", "-o", saved.toString(), "busybox").exitCode());
            Process p = new ProcessBuilder(podman.toString(), "--root", dir.resolve("podman-root").toString(),
                    "--runroot", dir.resolve("podman-run").toString(), "--storage-driver", "vfs", "load", "-i", saved.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("busybox:latest"), out);
        }
    }
}
