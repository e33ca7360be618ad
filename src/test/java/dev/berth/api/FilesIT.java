package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testing.BusyboxImage;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A container's files (issue 16): {@code docker cp} both ways, with running and stopped containers and
 * through volumes and binds; the archive API's stat header and errors; paths and tars that try to leave
 * the container; export, diff and commit; docker-py's archive calls.
 */
class FilesIT extends ContainerTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RawHttp.Response api(String method, String path, byte[] body) throws Exception {
        return RawHttp.request(daemon.socket(), method, path, Map.of("Content-Type", "application/x-tar"), body);
    }

    private DockerCli.Result fails(String... args) throws Exception {
        DockerCli.Result r = docker.run(args);
        assertNotEquals(0, r.exitCode(), "docker " + String.join(" ", args) + " succeeded: " + r.stdout());
        return r;
    }

    /** A tar of these entries: a name ending in / is a directory, "name -> target" a symlink, "name => target" a hard link. */
    private static byte[] tar(Map<String, String> entries) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = BusyboxImage.tar(buf)) {
            for (var e : entries.entrySet()) {
                String name = e.getKey();
                if (name.contains(" -> ") || name.contains(" => ")) {
                    String[] p = name.split(" [-=]> ");
                    TarArchiveEntry link = new TarArchiveEntry(p[0], name.contains(" -> ") ? TarArchiveEntry.LF_SYMLINK : TarArchiveEntry.LF_LINK);
                    link.setLinkName(p[1]);
                    tar.putArchiveEntry(link);
                    tar.closeArchiveEntry();
                } else if (name.endsWith("/")) {
                    BusyboxImage.dir(tar, name, 0755, 0);
                } else {
                    BusyboxImage.file(tar, name, e.getValue().getBytes(StandardCharsets.UTF_8), 0644);
                }
            }
        }
        return buf.toByteArray();
    }

    private static Map<String, String> entries(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<String> names(byte[] tar) throws Exception {
        List<String> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.add(e.getName() + (e.isSymbolicLink() ? " -> " + e.getLinkName() : ""));
            }
        }
        return out;
    }

    @Test
    void cpCopiesTreesBothWaysWithRunningAndStoppedContainersThroughVolumesAndBinds() throws Exception {
        Path bind = Files.createDirectories(daemon.dir().resolve("bind"));
        Files.writeString(bind.resolve("from-host"), "bound\n");
        Path local = Files.createDirectories(daemon.dir().resolve("local/tree/sub"));
        Files.writeString(local.resolve("f"), "abc\n");
        Files.createSymbolicLink(local.getParent().resolve("link"), Path.of("sub/f"));
        ok("run", "-d", "--name", "box", "-v", "vol:/vol", "-v", bind + ":/bind", "busybox", "sleep", "300");

        ok("cp", local.getParent().toString(), "box:/tmp/");
        assertEquals("abc\nsub/f", ok("exec", "box", "sh", "-c", "cat /tmp/tree/sub/f; readlink /tmp/tree/link").stdout().strip());
        ok("cp", local.getParent().toString(), "box:/vol/");
        assertEquals("abc", ok("run", "--rm", "-v", "vol:/v", "busybox", "cat", "/v/tree/sub/f").stdout().strip(),
                "a copy into a volume's mount point lands in the volume");
        ok("cp", "box:/bind/from-host", daemon.dir().resolve("out-bind").toString());
        assertEquals("bound\n", Files.readString(daemon.dir().resolve("out-bind")), "a copy out of a bind reads the host source");
        ok("cp", "box:/etc/hostname", daemon.dir().resolve("out-hostname").toString());
        assertEquals(ok("inspect", "-f", "{{.Config.Hostname}}", "box").stdout().strip(), Files.readString(daemon.dir().resolve("out-hostname")).strip());

        ok("stop", "-t", "0", "box");
        ok("cp", local.toString(), "box:/stopped");
        Path out = daemon.dir().resolve("out");
        ok("cp", "box:/vol/tree", out.toString());
        assertEquals("abc\n", Files.readString(out.resolve("sub/f")));
        assertEquals(Path.of("sub/f"), Files.readSymbolicLink(out.resolve("link")));
        ok("start", "box");
        assertEquals("abc", ok("exec", "box", "cat", "/stopped/f").stdout().strip(), "a copy into a stopped container is there when it starts");
        assertTrue(fails("cp", "box:/nope", out.toString()).stderr().contains("Could not find the file /nope in container box"));
    }

    @Test
    void theArchiveRoutesStatPathsAndRefuseBadOnes() throws Exception {
        ok("run", "-d", "--name", "box", "busybox", "sh", "-c", "ln -s /etc/passwd /pw; sleep 300");
        for (int i = 0; i < 50 && docker.run("exec", "box", "test", "-L", "/pw").exitCode() != 0; i++) {
            Thread.sleep(100);
        }
        RawHttp.Response head = api("HEAD", "/containers/box/archive?path=/pw", null);
        assertEquals(200, head.status());
        JsonNode stat = JSON.readTree(Base64.getDecoder().decode(head.header("x-docker-container-path-stat")));
        assertEquals("pw", stat.path("name").asText());
        assertEquals("/etc/passwd", stat.path("linkTarget").asText());
        assertEquals(1L << 27 | 0777, stat.path("mode").asLong(), "Go's ModeSymlink and the link's permissions");
        JsonNode dir = JSON.readTree(Base64.getDecoder().decode(api("HEAD", "/containers/box/archive?path=/etc/", null)
                .header("x-docker-container-path-stat")));
        assertEquals("etc", dir.path("name").asText());
        assertTrue((dir.path("mode").asLong() & (1L << 31)) != 0, "Go's ModeDir");

        assertEquals(List.of("pw -> /etc/passwd"), names(api("GET", "/containers/box/archive?path=/pw", null).body()),
                "the last component is not followed");
        assertTrue(names(api("GET", "/containers/box/archive?path=/etc/.", null).body()).contains("./passwd"));
        assertEquals(404, api("HEAD", "/containers/box/archive?path=/nope", null).status());
        RawHttp.Response missing = api("GET", "/containers/box/archive?path=/nope", null);
        assertEquals(404, missing.status());
        assertTrue(missing.bodyText().contains("Could not find the file /nope in container box"), missing.bodyText());
        assertEquals(400, api("GET", "/containers/box/archive", null).status());
        assertEquals(404, api("GET", "/containers/nobox/archive?path=/", null).status());
        RawHttp.Response notDir = api("PUT", "/containers/box/archive?path=/etc/passwd", tar(entries("x", "1")));
        assertEquals(400, notDir.status());
        assertTrue(notDir.bodyText().contains("extraction point is not a directory"), notDir.bodyText());
        assertEquals(404, api("PUT", "/containers/box/archive?path=/nodir", tar(entries("x", "1"))).status());

        RawHttp.Response overwrite = api("PUT", "/containers/box/archive?path=/&noOverwriteDirNonDir=1", tar(entries("etc", "a file")));
        assertEquals(400, overwrite.status());
        assertTrue(overwrite.bodyText().contains("cannot overwrite directory"), overwrite.bodyText());
        assertEquals(200, api("PUT", "/containers/box/archive?path=/tmp", tar(entries("d/", "", "d/f", "gz"))).status());

        // gzip-compressed, and copyUIDGID gives the container's user
        ok("run", "-d", "--name", "asuser", "-u", "1000", "busybox", "sleep", "300");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write(tar(entries("owned", "x")));
        }
        assertEquals(200, api("PUT", "/containers/asuser/archive?path=/tmp&copyUIDGID=1", gz.toByteArray()).status());
        assertEquals("1000:1000", ok("exec", "asuser", "stat", "-c", "%u:%g", "/tmp/owned").stdout().strip());

        // a read-only root filesystem and a read-only mount refuse writes
        ok("run", "-d", "--name", "ro", "--read-only", "-v", "rovol:/rv:ro", "busybox", "sleep", "300");
        assertEquals(403, api("PUT", "/containers/ro/archive?path=/tmp", tar(entries("x", "1"))).status());
        assertEquals(403, api("PUT", "/containers/ro/archive?path=/rv", tar(entries("x", "1"))).status());
    }

    @Test
    void nothingPlantedInTheContainerOrSentInATarReachesTheHost() throws Exception {
        Path hostDir = Files.createDirectories(daemon.dir().resolve("host-secret"));
        Files.writeString(hostDir.resolve("secret"), "host only\n");
        ok("run", "-d", "--name", "box", "busybox", "sh", "-c",
                "mkdir -p " + hostDir + "; ln -s " + hostDir + " /planted; ln -s / /root-link; ln -s " + hostDir + "/secret /file-link; sleep 300");
        for (int i = 0; i < 50 && docker.run("exec", "box", "test", "-L", "/file-link").exitCode() != 0; i++) {
            Thread.sleep(100);
        }
        Path in = Files.writeString(daemon.dir().resolve("payload"), "from the test\n");
        ok("cp", in.toString(), "box:/planted/");
        assertEquals("host only\n", Files.readString(hostDir.resolve("secret")));
        assertFalse(Files.exists(hostDir.resolve("payload")), "the symlink resolved inside the container, not on the host");
        assertEquals("from the test", ok("exec", "box", "cat", hostDir + "/payload").stdout().strip());

        DockerCli.Result readLink = docker.run("cp", "box:/planted/secret", daemon.dir().resolve("leak").toString());
        assertNotEquals(0, readLink.exitCode(), "the host file is not in the container");
        assertNotEquals(0, docker.run("cp", "-L", "box:/file-link", daemon.dir().resolve("followed").toString()).exitCode(),
                "followed inside the container, the link leads nowhere");
        assertFalse(Files.exists(daemon.dir().resolve("followed")));

        // tar entries that climb out are refused before anything is written; links inside resolve in the container
        for (String bad : List.of("../escape", "a/../../escape")) {
            RawHttp.Response r = api("PUT", "/containers/box/archive?path=/tmp", tar(entries(bad, "x")));
            assertEquals(400, r.status(), bad);
            assertTrue(r.bodyText().contains("outside the destination"), r.bodyText());
        }
        assertEquals(400, api("PUT", "/containers/box/archive?path=/tmp", tar(entries("hard => ../../etc/passwd", ""))).status());
        assertEquals(200, api("PUT", "/containers/box/archive?path=/", tar(entries("evil -> " + hostDir, "", "evil/pwned", "x",
                "root-link/tmp/also", "y"))).status());
        assertFalse(Files.exists(hostDir.resolve("pwned")));
        assertFalse(Files.exists(Path.of("/tmp/also")));
        assertEquals("xy", ok("exec", "box", "sh", "-c", "cat " + hostDir + "/pwned /tmp/also").stdout().strip());
    }

    @Test
    void aCopyOutThatItsClientStopsReadingHoldsOffNoStop() throws Exception {
        ok("run", "-d", "--name", "box", "busybox", "sh", "-c", "head -c 30000000 /dev/zero > /big; touch /ready; sleep 300");
        for (int i = 0; i < 100 && docker.run("exec", "box", "test", "-f", "/ready").exitCode() != 0; i++) {
            Thread.sleep(100);
        }
        try (java.nio.channels.SocketChannel stalled = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            stalled.connect(java.net.UnixDomainSocketAddress.of(daemon.socket()));
            stalled.write(java.nio.ByteBuffer.wrap("GET /containers/box/archive?path=/big HTTP/1.1\r\nHost: berth\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            Thread.sleep(1000);     // the daemon has filled what the socket takes and waits for the reader
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> ok("stop", "-t", "0", "box"));
            assertEquals("exited", ok("inspect", "-f", "{{.State.Status}}", "box").stdout().strip());
        }
    }

    @Test
    void anUploadCutShortLeavesNoPartialFile() throws Exception {
        ok("run", "-d", "--name", "box", "busybox", "sleep", "300");
        byte[] whole = tar(entries("big", "x".repeat(100_000)));
        byte[] cut = java.util.Arrays.copyOf(whole, 40_000);
        RawHttp.Response r = api("PUT", "/containers/box/archive?path=/tmp", cut);
        assertEquals(400, r.status(), r.bodyText());
        assertTrue(r.bodyText().contains("cut short"), r.bodyText());
        assertEquals("", ok("exec", "box", "ls", "-A", "/tmp").stdout().strip(), "neither the file nor its temporary copy");
    }

    @Test
    void exportDiffAndCommitShowAndKeepTheContainersChanges() throws Exception {
        ok("run", "--name", "changer", "busybox", "sh", "-c", "echo new > /newfile; rm /bin/ls; mkdir /tmp/made; echo more >> /etc/passwd");
        assertEquals("C /bin\nD /bin/ls\nC /etc\nC /etc/passwd\nA /newfile\nC /tmp\nA /tmp/made", ok("diff", "changer").stdout().strip());
        ok("run", "--name", "untouched", "busybox", "true");
        assertEquals("", ok("diff", "untouched").stdout().strip(), "the runtime's mount points are not the container's changes");

        Path exported = daemon.dir().resolve("export.tar");
        ok("export", "-o", exported.toString(), "changer");
        List<String> names = names(Files.readAllBytes(exported));
        assertTrue(names.contains("newfile") && names.contains("bin/busybox") && !names.contains("bin/ls"), names.toString());

        ok("commit", "-c", "CMD [\"cat\", \"/newfile\"]", "-m", "a message", "-a", "someone", "changer", "committed:1");
        assertEquals("new", ok("run", "--rm", "committed:1").stdout().strip());
        assertNotEquals(0, docker.run("run", "--rm", "committed:1", "ls").exitCode(), "the deletion is in the new layer");
        assertEquals("[cat /newfile] a message someone 2", ok("image", "inspect", "-f",
                "{{.Config.Cmd}} {{.Comment}} {{.Author}} {{len .RootFS.Layers}}", "committed:1").stdout().strip());
        assertTrue(ok("history", "committed:1").stdout().contains("a message"));

        ok("run", "-d", "--name", "running", "busybox", "sh", "-c", "echo live > /live; sleep 300");
        for (int i = 0; i < 50 && docker.run("exec", "running", "test", "-f", "/live").exitCode() != 0; i++) {
            Thread.sleep(100);
        }
        ok("commit", "running", "live:1");
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "running").stdout().strip(), "thawed after the commit");
        assertEquals("live", ok("run", "--rm", "live:1", "cat", "/live").stdout().strip());
        assertTrue(fails("commit", "nosuch", "x:1").stderr().contains("No such container"));
    }

    @Test
    void dockerPyPutsAndGetsArchivesByteForByte() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import docker").start();
        assumeTrue(probe.waitFor() == 0, "docker-py (Debian python3-docker) is not installed: skipping");
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        Path blob = Files.write(daemon.dir().resolve("blob"), data);
        ok("run", "-d", "--name", "box", "busybox", "sleep", "300");
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-c", String.join("\n",
                "import docker, io, tarfile, sys",
                "c = docker.from_env()",
                "box = c.containers.get('box')",
                "buf = io.BytesIO()",
                "with tarfile.open(fileobj=buf, mode='w') as t:",
                "    t.add('" + blob + "', arcname='blob')",
                "assert box.put_archive('/tmp', buf.getvalue())",
                "stream, stat = box.get_archive('/tmp/blob')",
                "got = tarfile.open(fileobj=io.BytesIO(b''.join(stream))).extractfile('blob').read()",
                "sys.stdout.write('%s %d %s' % (stat['name'], stat['size'], got == open('" + blob + "', 'rb').read()))"))
                .redirectErrorStream(true);
        pb.environment().putAll(docker.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("blob 1048576 True", out.strip(), out);
    }
}
