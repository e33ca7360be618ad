package dev.berth.api;

import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Containers that work against the daemon (issue 25): they swap files for device nodes, FIFOs and symlinks
 * while the daemon reads them, and plant FIFOs and devices where it looks up users. The daemon must never
 * read a host device or file through them, never hang on them, and go on answering everyone else. Also the
 * requests a web page can make to a TCP listener.
 */
class HostileContainersIT extends ContainerTestBase {

    private RawHttp.Response get(String path) throws IOException {
        return RawHttp.request(daemon.socket(), "GET", path, Map.of(), null);
    }

    /** The regular files of a tar with their contents, and the kinds of its other entries, by name. */
    private static Map<String, Object> entries(byte[] tar) throws IOException {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                // commons-compress calls every entry that is no directory a file: the special kinds first
                out.put(e.getName(), e.isCharacterDevice() ? "char" : e.isFIFO() ? "fifo" : e.isBlockDevice() ? "block"
                        : e.isSymbolicLink() || e.isLink() ? "link" : e.isDirectory() ? "dir" : in.readAllBytes());
            }
        }
        return out;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void copiesOfAFileSwappedForDevicesAndFifosNeverCarryDeviceBytesNorHang() throws Exception {
        // /tmp/f is, in turn, a 256 KiB file of zeros, the host's /dev/urandom (c 1 9) and a FIFO
        ok("run", "-d", "--name", "race", "busybox", "sh", "-c",
                "mknod /tmp/dev c 1 9; mkfifo /tmp/fifo; truncate -s 256K /tmp/reg; touch /tmp/f;"
                        + " while :; do for x in dev reg fifo reg; do ln -f /tmp/$x /tmp/t; mv -f /tmp/t /tmp/f; done; done");
        int devices = 0;
        int regular = 0;
        // at least 60 copies, and on until the swapping loop (which starts a moment after the container) showed the others too
        for (int i = 0; i < 400 && (i < 60 || devices < 10); i++) {
            RawHttp.Response r = get("/containers/race/archive?path=/tmp/f");
            assertEquals(200, r.status(), r.bodyText());
            Object f = entries(r.body()).get("f");
            if (f instanceof byte[] content) {
                regular++;
                assertTrue(allZero(content), "copy " + i + " carried bytes of the host's /dev/urandom");
            } else {
                devices++;
            }
        }
        assertTrue(regular > 0 && devices > 0, "the race never showed both kinds: " + regular + " files, " + devices + " others");
        for (int i = 0; i < 5; i++) {
            RawHttp.Response export = get("/containers/race/export");
            assertEquals(200, export.status());
            Object f = entries(export.body()).get("tmp/f");
            assertTrue(!(f instanceof byte[] content) || allZero(content), "an export carried bytes of the host's /dev/urandom");
            assertTrue(entries(export.body()).get("tmp/dev").equals("char"), "a device node is exported as its header");
        }
    }

    private void runUntilReady(String name, String setup) throws Exception {
        ok("run", "-d", "--name", name, "busybox", "sh", "-c", setup + "; touch /ready; exec sleep 600");
        // polled through the archive route: no process can run in such a container
        for (int i = 0; i < 100 && RawHttp.request(daemon.socket(), "HEAD", "/containers/" + name + "/archive?path=/ready", Map.of(), null)
                .status() != 200; i++) {
            Thread.sleep(50);
        }
    }

    @Test
    void usersLookedUpInAFifoOrDeviceFailAtOnceAndTheDaemonAnswersEveryoneElse() throws Exception {
        runUntilReady("pw", "rm /etc/passwd; mkfifo /etc/passwd");
        runUntilReady("gr", "rm /etc/group; mknod /etc/group c 1 9");
        var pool = Executors.newFixedThreadPool(6);
        try {
            List<CompletableFuture<DockerCli.Result>> execs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                execs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return docker.run("exec", "-u", "nobody", "pw", "true");
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, pool));
            }
            // meanwhile the daemon answers at once
            long t0 = System.nanoTime();
            assertEquals(200, get("/containers/json").status());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "the daemon stalled behind the lookups");
            for (CompletableFuture<DockerCli.Result> exec : execs) {
                DockerCli.Result r = exec.get(20, TimeUnit.SECONDS);
                assertEquals(126, r.exitCode());
                // as dockerd writes an exec that fails to start: into the output stream, which the CLI prints on stdout
                assertTrue(r.stdout().contains("/etc/passwd in the container is a FIFO, not a regular file"), r.stdout() + r.stderr());
            }
        } finally {
            pool.shutdownNow();
        }
        DockerCli.Result group = docker.run("exec", "-u", "nobody:nogroup", "gr", "true");
        assertEquals(126, group.exitCode());
        assertTrue(group.stdout().contains("/etc/group in the container is a character device, not a regular file"), group.stdout());
        // runc reads both files for any process: refused before it would block on them
        DockerCli.Result plain = docker.run("exec", "pw", "true");
        assertTrue(plain.stdout().contains("cannot run a process in the container: /etc/passwd in the container is a FIFO"), plain.stdout());

        // an image's USER looked up at start: a clear failure, and the containers can go
        ok("commit", "-c", "USER nobody", "pw", "badpasswd");
        DockerCli.Result start = docker.run("run", "-d", "--name", "pw2", "badpasswd", "true");
        assertNotEquals(0, start.exitCode());
        assertTrue(start.stderr().contains("FIFO"), start.stderr());
        long t0 = System.nanoTime();
        ok("rm", "-f", "pw", "pw2", "gr");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "rm -f waited on a lookup");
    }

    @Test
    void aDirectorySwappedForASymlinkDuringCommitOrDiffBringsNoHostFile() throws Exception {
        ok("run", "-d", "--name", "cm", "busybox", "sh", "-c",
                "mkdir /x; echo decoy > /x/shadow; while :; do mv /x /x.d; ln -s /etc /x; rm /x; mv /x.d /x; done");
        int committed = 0;
        for (int i = 0; i < 25; i++) {
            if (docker.run("commit", "--pause=false", "cm", "cm:" + i).exitCode() != 0) {
                continue;   // a commit may fail on a file that went away meanwhile; it must never carry a host file
            }
            committed++;
            String shadow = docker.run("run", "--rm", "cm:" + i, "cat", "/x/shadow").stdout();
            assertFalse(shadow.startsWith("root:"), "commit " + i + " put the host's /etc/shadow in a layer");
            ok("rmi", "cm:" + i);
        }
        assertTrue(committed > 0, "no commit succeeded");
        for (int i = 0; i < 25; i++) {
            String diff = ok("diff", "cm").stdout();
            assertFalse(diff.contains("/x/os-release") || diff.contains("/x/shadow-"), "docker diff listed the host's /etc: " + diff);
        }
    }

    @Test
    void aWebPageCannotDriveTheTcpListener() throws Exception {
        String create = daemon.tcpUri() + "/containers/create?name=csrf";
        byte[] body = "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}".getBytes(StandardCharsets.UTF_8);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            // what a page can send without a preflight: a text/plain body
            HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(create)).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, plain.statusCode());
            assertTrue(plain.body().contains("unsupported Content-Type header (text/plain): must be 'application/json'"), plain.body());
            // the browser's Origin header: refused whatever the body
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(create)).header("Content-Type", "application/json")
                    .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, page.statusCode());
            assertTrue(page.body().contains("--api-cors-header"), page.body());
            HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create(daemon.tcpUri() + "/containers/json"))
                    .header("Origin", "http://evil.example").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, read.statusCode(), "a page read the container list");
        }
        assertEquals("", ok("ps", "-aq").stdout().strip(), "a container was made");
        // a JSON body with parameters is JSON; a request without a body needs no Content-Type
        RawHttp.Response made = RawHttp.request(daemon.socket(), "POST", "/containers/create?name=xx",
                Map.of("Content-Type", "application/json; charset=utf-8"), body);
        assertEquals(201, made.status(), made.bodyText());
        assertEquals(404, RawHttp.request(daemon.socket(), "POST", "/containers/nosuch/start", Map.of(), null).status());
    }

    @Test
    void anOriginTheOperatorAllowedIsServedWithCorsHeaders() throws Exception {
        daemon.stop();
        daemon.close();
        daemon = dev.berth.testing.BerthDaemon.start("--api-cors-header", "http://console.example");
        docker = DockerCli.against(daemon);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create(daemon.tcpUri() + "/containers/json"))
                    .header("Origin", "http://console.example").method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, preflight.statusCode());
            assertEquals("http://console.example", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
            HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create(daemon.tcpUri() + "/containers/json"))
                    .header("Origin", "http://console.example").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, list.statusCode(), list.body());
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(daemon.tcpUri() + "/containers/json"))
                    .header("Origin", "http://evil.example").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, other.statusCode());
        }
    }

    @Test
    void aRegistrySendingTheUploadElsewhereDoesNotGetTheCredentialsSentThere() throws Exception {
        // a registry that wants Basic credentials and sends every upload to another host, which asks for them too
        java.util.Set<String> elsewhereSaw = java.util.concurrent.ConcurrentHashMap.newKeySet();
        com.sun.net.httpserver.HttpServer elsewhere = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        elsewhere.createContext("/", x -> {
            elsewhereSaw.add(x.getRequestMethod() + " " + x.getRequestHeaders().getFirst("Authorization"));
            x.getRequestBody().readAllBytes();
            x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"elsewhere\"");
            x.sendResponseHeaders(401, -1);
            x.close();
        });
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("berth:s3cret".getBytes(StandardCharsets.UTF_8));
        com.sun.net.httpserver.HttpServer registry = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        registry.createContext("/", x -> {
            x.getRequestBody().readAllBytes();
            if (!basic.equals(x.getRequestHeaders().getFirst("Authorization"))) {
                x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
                x.sendResponseHeaders(401, -1);
            } else if (x.getRequestMethod().equals("POST") && x.getRequestURI().getPath().endsWith("/blobs/uploads/")) {
                x.getResponseHeaders().add("Location", "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/upload/1");
                x.sendResponseHeaders(202, -1);
            } else if (x.getRequestURI().getPath().equals("/v2/")) {
                x.sendResponseHeaders(200, -1);
            } else {
                x.sendResponseHeaders(404, -1);
            }
            x.close();
        });
        elsewhere.start();
        registry.start();
        try {
            String host = "127.0.0.1:" + registry.getAddress().getPort();
            ok("login", "-u", "berth", "-p", "s3cret", host);
            ok("tag", "busybox", host + "/stolen:1");
            DockerCli.Result push = docker.run("push", host + "/stolen:1");
            assertNotEquals(0, push.exitCode(), push.stdout());
            assertFalse(elsewhereSaw.isEmpty(), "the upload never went to its location");
            assertTrue(elsewhereSaw.stream().allMatch(seen -> seen.endsWith(" null")), "credentials went to another host: " + elsewhereSaw);
        } finally {
            registry.stop(0);
            elsewhere.stop(0);
        }
    }

    /** A tar of a FIFO and a character device (what an image author or an API client may send). */
    private static byte[] fifoAndDeviceTar() throws IOException {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(buf)) {
            TarArchiveEntry fifo = new TarArchiveEntry("pipe", org.apache.commons.compress.archivers.tar.TarConstants.LF_FIFO);
            fifo.setMode(0644);
            tar.putArchiveEntry(fifo);
            tar.closeArchiveEntry();
            TarArchiveEntry dev = new TarArchiveEntry("null", org.apache.commons.compress.archivers.tar.TarConstants.LF_CHR);
            dev.setMode(0666);
            dev.setDevMajor(1);
            dev.setDevMinor(3);
            tar.putArchiveEntry(dev);
            tar.closeArchiveEntry();
        }
        return buf.toByteArray();
    }

    @Test
    void layersAndCopiesHoldingFifosAreWrittenWithoutOpeningThem() throws Exception {
        // an image whose layer has a FIFO: unpacked without opening it (setting its time used to block on it)
        RawHttp.Response imported = RawHttp.request(daemon.socket(), "POST", "/images/create?fromSrc=-&repo=fifos&tag=1",
                Map.of("Content-Type", "application/x-tar"), fifoAndDeviceTar());
        assertEquals(200, imported.status(), imported.bodyText());
        ok("create", "--name", "holder", "fifos:1", "x");
        Map<String, Object> exported = entries(get("/containers/holder/export").body());
        assertEquals("fifo", exported.get("pipe"));
        assertEquals("char", exported.get("null"));
        // docker cp of the same tar into a running container
        ok("run", "-d", "--name", "target", "busybox", "sleep", "600");
        RawHttp.Response put = RawHttp.request(daemon.socket(), "PUT", "/containers/target/archive?path=/tmp",
                Map.of("Content-Type", "application/x-tar"), fifoAndDeviceTar());
        assertEquals(200, put.status(), put.bodyText());
        ok("exec", "target", "test", "-p", "/tmp/pipe");
        ok("exec", "target", "test", "-c", "/tmp/null");
    }

    @Test
    void copiesIntoAVolumeAnotherContainerSwapsNeverChangeOrDeleteHostFiles() throws Exception {
        // a host directory of the test's own that the co-tenant points its symlink at (never a real system directory)
        Path decoy = Files.createDirectories(daemon.dir().resolve("decoy"));
        Files.writeString(decoy.resolve("keep"), "host data");
        Files.setPosixFilePermissions(decoy, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        ok("volume", "create", "shared");
        ok("run", "-d", "--name", "mate", "-v", "shared:/v", "busybox", "sh", "-c",
                "mkdir -p /v/d; while :; do mv /v/d /v/d.o; ln -s " + decoy + " /v/d; rm /v/d; mv /v/d.o /v/d; done");
        ok("create", "--name", "tgt", "-v", "shared:/v", "busybox", "true");
        // a tar whose d is a directory of mode 0777, and one whose d is a file (replacing the directory)
        for (int i = 0; i < 100; i++) {
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(buf)) {
                TarArchiveEntry d = new TarArchiveEntry(i % 2 == 0 ? "d/" : "d");
                d.setMode(i % 2 == 0 ? 040777 : 0100777);
                tar.putArchiveEntry(d);
                tar.closeArchiveEntry();
            }
            RawHttp.request(daemon.socket(), "PUT", "/containers/tgt/archive?path=/v", Map.of("Content-Type", "application/x-tar"),
                    buf.toByteArray());
        }
        assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(decoy)),
                "a copy changed the mode of a host directory through a swapped symlink");
        assertEquals("host data", Files.readString(decoy.resolve("keep")), "a copy deleted a host file through a swapped symlink");
    }

    /** A tar of the given entries: name, then its kind ('l' symlink, 'h' hard link, 'f' file) and link target or content. */
    private static byte[] tar(String... entries) throws IOException {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(buf)) {
            for (int i = 0; i < entries.length; i += 3) {
                byte kind = switch (entries[i + 1]) {
                    case "l" -> org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK;
                    case "h" -> org.apache.commons.compress.archivers.tar.TarConstants.LF_LINK;
                    default -> org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL;
                };
                TarArchiveEntry e = new TarArchiveEntry(entries[i], kind);
                byte[] content = new byte[0];
                if (kind == org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL) {
                    content = entries[i + 2].getBytes(StandardCharsets.UTF_8);
                    e.setSize(content.length);
                } else {
                    e.setLinkName(entries[i + 2]);
                }
                e.setMode(0644);
                tar.putArchiveEntry(e);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return buf.toByteArray();
    }

    @Test
    void entriesOfACopiedTarCannotWriteIntoOrLinkToAReadOnlyMount() throws Exception {
        Path ro = Files.createDirectories(daemon.dir().resolve("ro-source"));
        Files.writeString(ro.resolve("file"), "read-only data");
        ok("create", "--name", "guarded", "-v", ro + ":/ro:ro", "busybox", "true");
        // a symlink the tar makes, then a file through it
        RawHttp.Response through = RawHttp.request(daemon.socket(), "PUT", "/containers/guarded/archive?path=/tmp",
                Map.of("Content-Type", "application/x-tar"), tar("esc", "l", "/ro", "esc/planted", "f", "x"));
        assertEquals(403, through.status(), through.bodyText());
        assertTrue(through.bodyText().contains("read-only mount"), through.bodyText());
        assertFalse(Files.exists(ro.resolve("planted")), "a tar wrote into a read-only mount through its own symlink");
        // a hard link to a file of the read-only mount, in a writable place
        RawHttp.Response link = RawHttp.request(daemon.socket(), "PUT", "/containers/guarded/archive?path=/",
                Map.of("Content-Type", "application/x-tar"), tar("tmp/writable", "h", "ro/file"));
        assertEquals(403, link.status(), link.bodyText());
        assertEquals(1, Files.getAttribute(ro.resolve("file"), "unix:nlink"), "a tar linked a read-only file into a writable place");
        // the read-only mount itself is refused as before; the rest of the container is writable
        assertEquals(403, RawHttp.request(daemon.socket(), "PUT", "/containers/guarded/archive?path=/ro",
                Map.of("Content-Type", "application/x-tar"), tar("x", "f", "x")).status());
        assertEquals(200, RawHttp.request(daemon.socket(), "PUT", "/containers/guarded/archive?path=/tmp",
                Map.of("Content-Type", "application/x-tar"), tar("ok", "f", "fine")).status());
    }

    @Test
    void aBuildWhoseClientLeftStopsAndLeavesNoContainer() throws Exception {
        Path context = Files.createDirectories(daemon.dir().resolve("slow-build"));
        Files.writeString(context.resolve("Dockerfile"), "FROM busybox\nRUN sleep 600\n");
        for (String quiet : new String[] {"-q", "--rm"}) {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", "exec " + docker.commandLine("build", quiet, context.toString()));
            pb.environment().putAll(docker.environment());
            pb.environment().put("DOCKER_BUILDKIT", "0");
            Process cli = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            for (int i = 0; i < 200 && ok("ps", "-q").stdout().isBlank(); i++) {
                Thread.sleep(50);
            }
            assertFalse(ok("ps", "-q").stdout().isBlank(), "the RUN step never started");
            cli.destroyForcibly().waitFor();
            // the step is stopped and its container removed, rather than running out its ten minutes
            for (int i = 0; i < 150 && !ok("ps", "-aq").stdout().isBlank(); i++) {
                Thread.sleep(100);
            }
            assertEquals("", ok("ps", "-aq").stdout().strip(), "a build " + quiet + " went on after its client left");
        }
    }

    @Test
    void aBuildContextWhoseDockerignoreIsBuiltToBacktrackBuildsAtOnce() throws Exception {
        Path context = Files.createDirectories(daemon.dir().resolve("redos"));
        Files.createDirectories(context.resolve("a/".repeat(40)));
        Files.writeString(context.resolve("a/".repeat(40)).resolve("f"), "deep");
        Files.writeString(context.resolve(".dockerignore"), "**/".repeat(25) + "z\n");
        Files.writeString(context.resolve("Dockerfile"), "FROM busybox\nCOPY . /x\n");
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "exec " + docker.commandLine("build", "-q", "-t", "redos", context.toString()));
        pb.environment().putAll(docker.environment());
        pb.environment().put("DOCKER_BUILDKIT", "0");
        Process cli = pb.redirectErrorStream(true).start();
        boolean done = cli.waitFor(60, TimeUnit.SECONDS);
        String output = new String(cli.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
        if (!done) {
            cli.destroyForcibly().waitFor();
        }
        assertTrue(done && cli.exitValue() == 0, "the build did not finish: " + output);
        assertEquals("deep", ok("run", "--rm", "redos", "cat", "/x/" + "a/".repeat(40) + "f").stdout().strip());
    }

    @Test
    void aDaemonStartsOverDamagedStateFilesAndKeepsWhatTheyDidNotHold() throws Exception {
        ok("network", "create", "lost");
        ok("network", "create", "kept");
        ok("volume", "create", "damaged");
        Files.writeString(Path.of(ok("volume", "inspect", "-f", "{{.Mountpoint}}", "damaged").stdout().strip(), "keep"), "volume data");
        Path root = daemon.dir().resolve("root");
        String lostId = ok("network", "inspect", "-f", "{{.Id}}", "lost").stdout().strip();
        daemon.stop();
        Files.writeString(root.resolve("networks/" + lostId + ".json"), "{\"Name\": ");
        Files.writeString(root.resolve("volumes/damaged/volume.json"), "not json");
        Files.delete(root.resolve("image/index.json"));
        daemon = dev.berth.testing.BerthDaemon.startIn(daemon.dir(), daemonArgs());
        docker = DockerCli.against(daemon);
        // the start went on: the other network is there, the damaged ones are not, their files kept aside
        String networks = ok("network", "ls", "--format", "{{.Name}}").stdout();
        assertTrue(networks.contains("kept") && !networks.contains("lost"), networks);
        assertFalse(ok("volume", "ls", "-q").stdout().contains("damaged"));
        try (var aside = Files.list(root.resolve("volumes"))) {
            Path volume = aside.filter(d -> d.getFileName().toString().startsWith("damaged.damaged-")).findFirst().orElseThrow();
            assertEquals("volume data", Files.readString(volume.resolve("_data/keep")));
        }
        // without its index the store lists no image, but kept every blob: loading the image again finds its layer
        try (var blobs = Files.list(root.resolve("image/blobs/sha256"))) {
            assertTrue(blobs.findAny().isPresent(), "a start without index.json collected the blobs");
        }
        ok("load", "-i", daemon.dir().resolve("busybox.tar").toString());
        assertEquals("ok", ok("run", "--rm", "busybox", "echo", "ok").stdout().strip());
    }
}
