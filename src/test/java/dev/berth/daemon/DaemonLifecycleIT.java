package dev.berth.daemon;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** berthd as a process: flags, config, start-up refusals, restarts, signals, TLS. */
class DaemonLifecycleIT {

    private Path dir;

    @BeforeEach
    void scratch() throws Exception {
        dir = BerthDaemon.scratch();
    }

    @AfterEach
    void clean() throws Exception {
        BerthDaemon.deleteTree(dir);
    }

    record Run(int exitCode, String output) {}

    private Run berthd(String... args) throws Exception {
        Path log = dir.resolve("run-" + System.nanoTime() + ".log");
        Process p = BerthDaemon.launch(List.of(args), Map.of(), log);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "berthd " + String.join(" ", args) + " did not exit");
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private String[] isolated(String... args) throws Exception {
        Files.writeString(dir.resolve("berth.json"), "{}");
        List<String> all = new ArrayList<>(List.of("--config", dir.resolve("berth.json").toString(),
                "--root", dir.resolve("root").toString(), "--runroot", dir.resolve("run").toString()));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    @Test
    void helpAndVersionPrintAndExitZero() throws Exception {
        Run help = berthd("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.output().contains("Usage: berthd") && help.output().contains("--host"), help.output());
        Run version = berthd("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.output().startsWith("Berth version "), version.output());
    }

    @Test
    void theLauncherFindsAJdk25WhenTheDefaultJavaIsOlder() throws Exception {
        Path log = dir.resolve("launcher.log");
        ProcessBuilder pb = new ProcessBuilder(BerthDaemon.launcher().toString(), "--version")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64");
        pb.environment().put("PATH", "/usr/bin:/bin");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(log));
        assertTrue(Files.readString(log).startsWith("Berth version"), Files.readString(log));
    }

    @Test
    void badFlagsAndAnUnprotectedPublicPortExitOneWithAMessage() throws Exception {
        Run unknown = berthd("--bogus");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.output().contains("unknown flag: --bogus"), unknown.output());
        Run open = berthd(isolated("-H", "tcp://0.0.0.0:" + BerthDaemon.freePort()));
        assertEquals(1, open.exitCode());
        assertTrue(open.output().contains("without TLS"), open.output());
        Files.writeString(dir.resolve("bad.json"), "{\"hosts\": \"unix:///tmp/x.sock\", \"colour\": \"blue\"}");
        Run badConfig = berthd("--config", dir.resolve("bad.json").toString());
        assertEquals(1, badConfig.exitCode());
        assertTrue(badConfig.output().contains("unknown option \"colour\""), badConfig.output());
    }

    @Test
    void sigtermExitsZeroAndRemovesTheSocket() throws Exception {
        BerthDaemon d = BerthDaemon.startIn(dir);
        assertEquals(0, d.stop(), d.log());
        assertFalse(Files.exists(d.socket()), "socket left behind");
        assertTrue(d.log().contains("stopped"), d.log());
    }

    @Test
    void sigtermLetsARequestInFlightFinish() throws Exception {
        BerthDaemon d = BerthDaemon.startIn(dir);
        byte[] archive = dev.berth.testing.BusyboxImage.archive("busybox:latest");
        try (RawHttp c = new RawHttp(d.socket())) {
            c.write(("POST /images/load HTTP/1.1\r\nHost: d\r\nContent-Length: " + archive.length + "\r\n\r\n").getBytes());
            c.write(java.util.Arrays.copyOf(archive, archive.length / 2));
            Thread.sleep(300);
            d.process().destroy();     // SIGTERM while the upload is half done
            Thread.sleep(300);
            assertTrue(d.process().isAlive(), "exited with a request in flight:\n" + d.log());
            c.write(java.util.Arrays.copyOfRange(archive, archive.length / 2, archive.length));
            RawHttp.Response head = c.readHead();
            assertEquals(200, head.status(), d.log());
            assertTrue(new String(c.readBody(head)).contains("Loaded image: busybox:latest"));
        }
        assertTrue(d.process().waitFor(30, TimeUnit.SECONDS), "did not exit after the request:\n" + d.log());
        assertEquals(0, d.process().exitValue(), d.log());
    }

    @Test
    void theIdSurvivesARestartAndTheRootIsPrivate() throws Exception {
        BerthDaemon d = BerthDaemon.startIn(dir);
        String first = id(d);
        assertEquals(0, d.stop());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("root"))));
        BerthDaemon again = BerthDaemon.startIn(dir);
        try {
            assertEquals(first, id(again));
        } finally {
            assertEquals(0, again.stop());
        }
    }

    private static String id(BerthDaemon d) throws Exception {
        String body = RawHttp.request(d.socket(), "GET", "/info", Map.of(), null).bodyText();
        var m = java.util.regex.Pattern.compile("\"ID\":\"([^\"]+)\"").matcher(body);
        assertTrue(m.find(), body);
        return m.group(1);
    }

    @Test
    void aStaleSocketIsReplacedButALiveOneIsNot() throws Exception {
        Path stale = dir.resolve("berth.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale), "the JDK leaves the socket file behind");
        BerthDaemon live = BerthDaemon.startIn(dir);
        try {
            Run second = berthd(isolated("-H", "unix://" + live.socket()));
            assertEquals(1, second.exitCode());
            assertTrue(second.output().contains("another daemon is already listening on " + live.socket()), second.output());
            assertEquals(200, RawHttp.request(live.socket(), "GET", "/_ping", Map.of(), null).status());
        } finally {
            assertEquals(0, live.stop());
        }
    }

    @Test
    void theConfigFileAppliesAndFlagsWin() throws Exception {
        Files.writeString(dir.resolve("berth.json"), "{\"log-level\": \"debug\", \"root\": \"" + dir.resolve("from-file") + "\"}");
        try (BerthDaemon d = BerthDaemon.startIn(dir, "--root", dir.resolve("from-flag").toString())) {
            String info = RawHttp.request(d.socket(), "GET", "/info", Map.of(), null).bodyText();
            assertTrue(info.contains("\"DockerRootDir\":\"" + dir.resolve("from-flag") + "\""), info);
            assertTrue(info.contains("\"Debug\":true"), info);
            // debug level: one log line per request, with method, path, status and time
            assertTrue(d.log().matches("(?s).*GET /info 200 [0-9.]+ms.*") || waitForLog(d, "GET /info 200"), d.log());
            assertFalse(Files.exists(dir.resolve("from-file")));
        }
    }

    private static boolean waitForLog(BerthDaemon d, String text) throws InterruptedException {
        for (int i = 0; i < 50 && !d.log().contains(text); i++) {
            Thread.sleep(100);
        }
        return d.log().contains(text);
    }

    @Test
    void clientsThatHangUpMidRequestDoNotHurtTheDaemon() throws Exception {
        try (BerthDaemon d = BerthDaemon.startIn(dir)) {
            for (int i = 0; i < 50; i++) {
                try (RawHttp c = new RawHttp(d.socket())) {
                    c.write("POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 100\r\n\r\n{\"Ima".getBytes());
                }
            }
            assertEquals(200, RawHttp.request(d.socket(), "GET", "/_ping", Map.of(), null).status());
        }
    }

    @Test
    void tlsListenersRequireAClientCertificate() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")) && Files.isExecutable(Path.of("/usr/bin/curl")),
                "openssl or curl missing: skipping");
        Path pki = Files.createDirectories(dir.resolve("pki"));
        sh(pki, "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=berth-test-ca -keyout ca.key -out ca.pem");
        sh(pki, "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr");
        sh(pki, "printf 'subjectAltName=IP:127.0.0.1' > san.ext && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key"
                + " -CAcreateserial -days 1 -extfile san.ext -out server.pem");
        sh(pki, "openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key -out client.csr");
        sh(pki, "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out client.pem");
        int port = BerthDaemon.freePort();
        try (BerthDaemon d = BerthDaemon.startIn(dir, "-H", "tcp://0.0.0.0:" + port,
                "--tlscert", pki.resolve("server.pem").toString(), "--tlskey", pki.resolve("server.key").toString(),
                "--tlscacert", pki.resolve("ca.pem").toString())) {
            String url = "https://127.0.0.1:" + port + "/_ping";
            assertEquals("OK", sh(pki, "curl -sS --cacert ca.pem --cert client.pem --key client.key " + url));
            assertNotEquals(0, exit(pki, "curl -sS --cacert ca.pem " + url), "a client without certificate got in");
            assertNotEquals(0, exit(pki, "curl -sS http://127.0.0.1:" + port + "/_ping"), "plain HTTP got in");
        }
    }

    private static String sh(Path cwd, String cmd) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), cmd + ":\n" + out);
        return out;
    }

    private static int exit(Path cwd, String cmd) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue();
    }
}
