package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.BerthDaemon;
import dev.berth.testing.BusyboxImage;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images through the real docker CLI and the raw API, against a real daemon. */
class ImagesIT {

    private BerthDaemon daemon;
    private DockerCli docker;

    @BeforeEach
    void start() throws Exception {
        daemon = BerthDaemon.start();
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    private Path write(String name, byte[] data) throws Exception {
        return Files.write(daemon.dir().resolve(name), data);
    }

    /** Runs the docker CLI (a test that gets here skips where the CLI is missing; raw-API tests do not). */
    private DockerCli.Result ok(String... args) throws Exception {
        if (docker == null) {
            docker = DockerCli.against(daemon);
        }
        DockerCli.Result r = docker.run(args);
        assertEquals(0, r.exitCode(), "docker " + String.join(" ", args) + ": " + r.stderr() + "\n" + daemon.log());
        return r;
    }

    private String id(String name) throws Exception {
        return ok("image", "inspect", "--format", "{{.Id}}", name).stdout().strip();
    }

    private RawHttp.Response load(byte[] archive) throws Exception {
        return RawHttp.request(daemon.socket(), "POST", "/images/load", Map.of("Content-Type", "application/x-tar"), archive);
    }

    @Test
    void loadListInspectAndHistory() throws Exception {
        Path tar = write("busybox.tar", BusyboxImage.archive("busybox:latest"));
        assertEquals("Loaded image: busybox:latest", ok("load", "-i", tar.toString()).stdout().strip());
        String images = ok("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout();
        assertTrue(images.matches("busybox:latest [0-9a-f]{12}\\n"), images);
        assertEquals("[sh] linux amd64 [busybox:latest] 1",
                ok("image", "inspect", "--format", "{{.Config.Cmd}} {{.Os}} {{.Architecture}} {{.RepoTags}} {{len .RootFS.Layers}}",
                        "busybox").stdout().strip());
        assertEquals(id("busybox"), id("docker.io/library/busybox:latest"));
        assertEquals(id("busybox"), id(id("busybox").substring(7, 19)));
        String history = ok("history", "--no-trunc", "--format", "{{.CreatedBy}}", "busybox").stdout();
        assertTrue(history.contains("berth test: busybox-static rootfs"), history);
        DockerCli.Result missing = docker.run("image", "inspect", "nosuch");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.stderr().contains("No such image: nosuch"), missing.stderr());
        String info = RawHttp.request(daemon.socket(), "GET", "/info", Map.of(), null).bodyText();
        assertTrue(info.contains("\"Images\":1"), info);
        String df = RawHttp.request(daemon.socket(), "GET", "/system/df", Map.of(), null).bodyText();
        assertTrue(df.matches("(?s).*\"LayersSize\":[1-9][0-9]{5,}.*"), df);
    }

    @Test
    void tagAndRemoveFollowDockerdsRules() throws Exception {
        ok("load", "-i", write("busybox.tar", BusyboxImage.archive("busybox:latest")).toString());
        String id = id("busybox");
        ok("tag", "busybox", "localhost:5000/team/box:1");
        assertEquals(id, id("localhost:5000/team/box:1"));
        DockerCli.Result conflict = docker.run("rmi", id.substring(7, 19));
        assertEquals(1, conflict.exitCode());
        assertTrue(conflict.stderr().contains("must be forced") && conflict.stderr().contains("referenced in multiple repositories"),
                conflict.stderr());
        assertEquals("Untagged: localhost:5000/team/box:1", ok("rmi", "localhost:5000/team/box:1").stdout().strip());
        assertEquals(id, id("busybox"));
        String removed = ok("rmi", "busybox").stdout();
        assertTrue(removed.contains("Untagged: busybox:latest") && removed.contains("Deleted: " + id), removed);
        assertEquals("", ok("images", "-q").stdout().strip());
        assertEquals(1, docker.run("tag", "nosuch", "x").exitCode());
        assertEquals(400, RawHttp.request(daemon.socket(), "POST", "/images/x/tag?repo=Bad%20Name", Map.of(), null).status());
    }

    @Test
    void forcedRemovalOfAnIdUntagsEverything() throws Exception {
        ok("load", "-i", write("busybox.tar", BusyboxImage.archive("busybox:latest", "other:2")).toString());
        String removed = ok("rmi", "-f", id("busybox")).stdout();
        assertTrue(removed.contains("Untagged: busybox:latest") && removed.contains("Untagged: other:2"), removed);
        assertEquals("", ok("images", "-q").stdout().strip());
    }

    @Test
    void saveAndLoadRoundTrip() throws Exception {
        ok("load", "-i", write("busybox.tar", BusyboxImage.archive("busybox:latest")).toString());
        String id = id("busybox");
        Path saved = daemon.dir().resolve("saved.tar");
        ok("save", "-o", saved.toString(), "busybox");
        ok("rmi", "busybox");
        assertEquals("Loaded image: busybox:latest", ok("load", "-i", saved.toString()).stdout().strip());
        assertEquals(id, id("busybox"));
        // the saved archive is an OCI layout with docker's manifest.json beside it
        String names = new String(new ProcessBuilder("tar", "tf", saved.toString()).start().getInputStream().readAllBytes());
        assertTrue(names.contains("manifest.json") && names.contains("index.json") && names.contains("oci-layout")
                && names.contains("blobs/sha256/" + id.substring(7)), names);
    }

    @Test
    void importMakesAnImageWithTheChanges() throws Exception {
        Path rootfs = write("rootfs.tar", BusyboxImage.rootfs());
        String out = ok("import", "--change", "CMD [\"sh\"]", "--change", "ENV A=b", "--change", "WORKDIR /tmp",
                "-m", "from the test", rootfs.toString(), "imported:1").stdout().strip();
        assertTrue(out.matches("sha256:[0-9a-f]{64}"), out);
        assertEquals("[sh] /tmp from the test", ok("image", "inspect", "--format", "{{.Config.Cmd}} {{.Config.WorkingDir}} {{.Comment}}",
                "imported:1").stdout().strip());
        assertTrue(ok("image", "inspect", "--format", "{{.Config.Env}}", "imported:1").stdout().contains("A=b"));
        DockerCli.Result bad = docker.run("import", "--change", "FROB x", rootfs.toString(), "bad:1");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.stderr().contains("FROB"), bad.stderr());
    }

    @Test
    void pruneRemovesDanglingThenAllImages() throws Exception {
        ok("load", "-i", write("tagged.tar", BusyboxImage.archive("busybox:latest")).toString());
        byte[] other = BusyboxImage.archive(BusyboxImage.rootfs(), "[\"true\"]");
        String loaded = ok("load", "-i", write("untagged.tar", other).toString()).stdout().strip();
        assertTrue(loaded.startsWith("Loaded image ID: sha256:"), loaded);
        assertEquals(2, ok("images", "-q").stdout().strip().lines().count());
        String pruned = ok("image", "prune", "-f").stdout();
        assertTrue(pruned.contains("deleted: " + loaded.substring("Loaded image ID: ".length())), pruned);
        assertEquals(1, ok("images", "-q").stdout().strip().lines().count());
        ok("image", "prune", "-a", "-f");
        assertEquals("", ok("images", "-q").stdout().strip());
    }

    @Test
    void badArchivesAreRefusedAndLeaveNothingBehind() throws Exception {
        byte[] good = BusyboxImage.archive("busybox:latest");
        assertBadLoad(Arrays.copyOf(good, good.length / 2), "invalid archive");
        assertBadLoad("this is not a tar archive at all".repeat(40).getBytes(), "invalid archive");
        assertBadLoad(new byte[0], "invalid archive");
        // a config named by a digest it does not have
        byte[] renamed = new String(good, StandardCharsets.ISO_8859_1).replaceFirst("\"Config\":\"[0-9a-f]{6}", "\"Config\":\"000000")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertBadLoad(renamed, "missing");
        // a layer whose content is not the diff id the config names
        byte[] layer = BusyboxImage.rootfs();
        byte[] tampered = layer.clone();
        tampered[tampered.length - 2048] ^= 1;
        assertBadLoad(replaceLayer(layer, tampered), "layer digest mismatch");
        // tar-slip: .., absolute paths, writing through a symlink, symlinks that climb out
        assertBadLoad(BusyboxImage.archive(layerWith(e -> file(e, "../evil", "x")), "[\"sh\"]", "slip:1"), "escapes the layer");
        assertBadLoad(BusyboxImage.archive(layerWith(e -> {
            TarArchiveEntry abs = new TarArchiveEntry("/etc/evil", true);
            abs.setSize(1);
            e.putArchiveEntry(abs);
            e.write('x');
            e.closeArchiveEntry();
        }), "[\"sh\"]", "slip:2"), "absolute path");
        assertBadLoad(BusyboxImage.archive(layerWith(e -> {
            link(e, "etc", "/etc");
            file(e, "etc/evil", "x");
        }), "[\"sh\"]", "slip:3"), "goes through the symlink");
        assertBadLoad(BusyboxImage.archive(layerWith(e -> link(e, "a/up", "../../outside")), "[\"sh\"]", "slip:4"), "outside the layer");
        assertFalse(Files.exists(Path.of("/evil")) || Files.exists(Path.of("/etc/evil")));
        // whiteouts that name no file: an empty name, "." or "..", which would delete the layer's own directories
        assertBadLoad(BusyboxImage.archive(layerWith(e -> file(e, "a/.wh.", "")), "[\"sh\"]", "wh:1"), "whiteout that names no file");
        assertBadLoad(BusyboxImage.archive(layerWith(e -> file(e, "a/.wh...", "")), "[\"sh\"]", "wh:2"), "whiteout that names no file");
        assertBadLoad(BusyboxImage.archive(layerWith(e -> file(e, ".wh..", "")), "[\"sh\"]", "wh:3"), "whiteout that names no file");
        // a layer cut short inside an entry, and a device node the host does not let us make, name the entry
        byte[] cut = Arrays.copyOf(layerWith(e -> file(e, "a/big", "x".repeat(100_000))), 60_000);
        assertBadLoad(BusyboxImage.archive(cut, "[\"sh\"]", "cut:1"), "a/big");
        assertEquals("[]", RawHttp.request(daemon.socket(), "GET", "/images/json", Map.of(), null).bodyText().strip());
        try (Stream<Path> tmp = Files.list(daemon.dir().resolve("root/image/tmp"))) {
            assertEquals(0, tmp.count(), "temporary files left behind");
        }
        try (Stream<Path> layers = Files.list(daemon.dir().resolve("root/image/layers"))) {
            assertEquals(0, layers.count(), "a refused layer was kept");
        }
    }

    private void assertBadLoad(byte[] archive, String expected) throws Exception {
        RawHttp.Response r = load(archive);
        // as dockerd answers it: a 200 whose message stream carries the error
        assertEquals(200, r.status(), r.bodyText());
        JsonNode error = Json.MAPPER.readTree(r.bodyText().strip().lines().reduce((a, b) -> b).orElse("{}"));
        assertTrue(error.path("error").asText().contains(expected) && error.path("errorDetail").path("message").asText().contains(expected),
                expected + " not in " + r.bodyText());
    }

    interface Entries {
        void add(TarArchiveOutputStream tar) throws Exception;
    }

    private static byte[] layerWith(Entries entries) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = BusyboxImage.tar(buf)) {
            BusyboxImage.dir(tar, "a/", 0755, 0);
            entries.add(tar);
        }
        return buf.toByteArray();
    }

    private static void file(TarArchiveOutputStream tar, String name, String content) throws Exception {
        BusyboxImage.file(tar, name, content.getBytes(), 0644);
    }

    private static void link(TarArchiveOutputStream tar, String name, String target) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
        e.setLinkName(target);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    /** An archive whose config names {@code layer}'s digest but whose layer.tar holds {@code actual}. */
    private static byte[] replaceLayer(byte[] layer, byte[] actual) throws Exception {
        byte[] archive = BusyboxImage.archive(layer, "[\"sh\"]", "tampered:1");
        String text = new String(archive, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(new String(layer, 0, 512, StandardCharsets.ISO_8859_1));
        System.arraycopy(actual, 0, archive, at, actual.length);
        return archive;
    }

    @Test
    void aStalledLoadHoldsUpNeitherRemovalsNorOtherLoads() throws Exception {
        byte[] archive = BusyboxImage.archive("busybox:latest");
        ok("load", "-i", write("a.tar", BusyboxImage.archive(BusyboxImage.rootfs(), "[\"true\"]", "other:1")).toString());
        try (RawHttp stalled = new RawHttp(daemon.socket())) {
            stalled.write(("POST /images/load HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-tar\r\nContent-Length: "
                    + archive.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            stalled.write(Arrays.copyOf(archive, archive.length / 2));      // and then nothing more
            Thread.sleep(500);
            assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
                ok("rmi", "other:1");
                ok("load", "-i", write("b.tar", archive).toString());
                ok("rmi", "busybox");
            }, "a removal or a load waited for the stalled load");
        }
    }

    @Test
    void aNameLoadedAgainMovesToTheNewImage() throws Exception {
        ok("load", "-i", write("first.tar", BusyboxImage.archive("busybox:latest", "busybox:latest")).toString());
        assertEquals(1, ok("images", "-q").stdout().strip().lines().count(), "a tag named twice made two entries");
        String first = id("busybox");
        ok("load", "-i", write("second.tar", BusyboxImage.archive(BusyboxImage.rootfs(), "[\"true\"]", "busybox:latest")).toString());
        String second = id("busybox");
        assertFalse(first.equals(second));
        String list = ok("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout();
        assertTrue(list.contains("busybox:latest " + second.substring(7, 19)) && list.contains("<none>:<none> " + first.substring(7, 19)), list);
        assertEquals(first.substring(7, 19), ok("images", "--filter", "dangling=true", "--format", "{{.ID}}").stdout().strip(), list);
    }

    @Test
    void imagesSurviveARestartWithoutDuplicates() throws Exception {
        ok("load", "-i", write("busybox.tar", BusyboxImage.archive("busybox:latest")).toString());
        ok("tag", "busybox", "again:1");
        ok("load", "-i", daemon.dir().resolve("busybox.tar").toString());
        String before = ok("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout();
        assertEquals(0, daemon.stop());
        Path dir = daemon.dir();
        daemon = BerthDaemon.startIn(dir);
        docker = null;     // the next ok() points the CLI at the new daemon
        String after = ok("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout();
        assertEquals(before.lines().sorted().toList(), after.lines().sorted().toList());
        assertEquals(2, after.lines().count(), after);
    }
}
