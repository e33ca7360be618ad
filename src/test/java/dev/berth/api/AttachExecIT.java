package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import dev.berth.testing.Tmux;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Attach and exec with the real docker CLI, tmux as a terminal, docker-py, raw sockets and a WebSocket. */
class AttachExecIT extends ContainerTestBase {

    /** Counts and digests what it is given. */
    private static final class Sink extends OutputStream {
        final MessageDigest sha = sha256();
        long count;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            sha.update(b, off, len);
            count += len;
        }

        String digest() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void bigStdinComesBackIntactAndBigStdoutArrivesExactly() throws Exception {
        byte[] input = new byte[10 << 20];
        new Random(42).nextBytes(input);
        Sink echoed = new Sink();
        DockerCli.Result r = docker.runStreaming(new ByteArrayInputStream(input), echoed, "run", "-i", "--rm", "busybox", "cat");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(input.length, echoed.count);
        assertEquals(HexFormat.of().formatHex(sha256().digest(input)), echoed.digest(), "stdin came back changed");

        long size = 512L << 20;
        Sink out = new Sink();
        r = docker.runStreaming(new ByteArrayInputStream(new byte[0]), out, "run", "--rm", "busybox", "head", "-c",
                Long.toString(size), "/dev/zero");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(size, out.count, "stdout byte count");

        // the same through exec, with the client reading slowly at first: back-pressure, not loss
        ok("run", "-d", "--name", "busy", "busybox", "sleep", "300");
        Sink execOut = new Sink();
        r = docker.runStreaming(new ByteArrayInputStream(new byte[0]), new OutputStream() {
            long seen;

            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if ((seen += len) < (4 << 20)) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                execOut.write(b, off, len);
            }
        }, "exec", "busy", "head", "-c", Long.toString(64L << 20), "/dev/zero");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(64L << 20, execOut.count);
    }

    @Test
    void execAppliesEnvUserWorkdirAndReturnsExitCodes() throws Exception {
        ok("run", "-d", "--name", "box", "-e", "BASE=1", "busybox", "sleep", "300");
        assertEquals("hi\n", ok("exec", "box", "echo", "hi").stdout());
        assertEquals("bar 1\nuid=65534(nobody) gid=65534(nogroup)\n/tmp\n",
                ok("exec", "-e", "FOO=bar", "-u", "nobody", "-w", "/tmp", "box", "sh", "-c", "echo $FOO $BASE; id; pwd").stdout());
        DockerCli.Result r = docker.run("exec", "box", "sh", "-c", "echo out; echo err >&2; exit 42");
        assertEquals(42, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertEquals("piped\n", docker.runWithInput("piped\n".getBytes(StandardCharsets.UTF_8), "exec", "-i", "box", "cat").stdout());
        r = docker.run("exec", "box", "no-such-command");
        assertEquals(127, r.exitCode(), r.stdout() + r.stderr());
        assertTrue((r.stdout() + r.stderr()).contains("executable file not found"), r.stdout() + r.stderr());
        r = docker.run("exec", "-u", "nosuchuser", "box", "true");
        assertEquals(126, r.exitCode(), r.stdout() + r.stderr());
        assertTrue((r.stdout() + r.stderr()).contains("unable to find user nosuchuser"), r.stdout() + r.stderr());
        String held = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapBnd:"))
                .findFirst().orElseThrow().substring(7).strip();
        assertEquals("CapEff:\t" + held + "\n", ok("exec", "--privileged", "box", "grep", "CapEff", "/proc/self/status").stdout());
        ok("exec", "-d", "box", "sh", "-c", "sleep 1; touch /tmp/detached");
        Thread.sleep(1500);
        ok("exec", "box", "test", "-f", "/tmp/detached");
        assertEquals("[]", ok("inspect", "-f", "{{json .ExecIDs}}", "box").stdout().strip().replace("null", "[]"),
                "ended sessions are not listed");

        // twenty at once in one container, each with its own output and exit code
        List<CompletableFuture<DockerCli.Result>> runs = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            String n = Integer.toString(i);
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return docker.run("exec", "box", "sh", "-c", "sleep 0.2; echo n" + n + "; exit " + n);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (int i = 1; i <= 20; i++) {
            DockerCli.Result each = runs.get(i - 1).get(60, TimeUnit.SECONDS);
            assertEquals(i, each.exitCode(), each.stderr());
            assertEquals("n" + i + "\n", each.stdout());
        }

        ok("stop", "-t", "0", "box");
        r = docker.run("exec", "box", "true");
        assertTrue(r.exitCode() != 0 && r.stderr().contains("is not running"), r.stderr());
        assertTrue(docker.run("exec", "nosuchbox", "true").stderr().contains("No such container: nosuchbox"));
    }

    @Test
    void interactiveTerminalsResizeDetachAndReattach() throws Exception {
        try (Tmux term = Tmux.start(daemon.dir(), docker.environment(), 100, 30,
                docker.commandLine("run", "-it", "--name", "term", "busybox", "sh"))) {
            term.waitFor("/ #");
            term.type("echo sum-$((6*7))", "Enter");
            term.waitFor("sum-42");
            term.type("stty size", "Enter");
            term.waitFor("30 100");
            term.resize(80, 20);
            Thread.sleep(300);
            term.type("clear; stty size", "Enter");
            term.waitFor("20 80");
            term.type("C-p", "C-q");
            assertTrue(term.waitForExit(), "ctrl-p ctrl-q did not detach");
            assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "term").stdout().strip());

            term.startAnother(docker.commandLine("attach", "term"), 90, 25);
            term.type("echo back-$((1+1))", "Enter");
            term.waitFor("back-2");
            term.type("C-p", "C-q");
            assertTrue(term.waitForExit(), "ctrl-p ctrl-q did not detach docker attach");

            term.startAnother(docker.commandLine("exec", "-it", "term", "sh"), 70, 15);
            term.waitFor("#");
            term.type("stty size; tty", "Enter");
            term.waitFor("15 70");
            term.waitFor("/dev/pts/");
            term.type("exit 3", "Enter");
            assertTrue(term.waitForExit(), "exec -it did not end with its shell");
            assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "term").stdout().strip());
        }
    }

    @Test
    void rawAttachAnswers101And200WithExactFramesAndRefusesBadRequestsFirst() throws Exception {
        String id = create("{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"printf out; sleep 0.3; printf err >&2\"]}");
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("POST", "/v1.47/containers/" + id + "/attach?stream=1&stdout=1&stderr=1",
                    Map.of("Connection", "Upgrade", "Upgrade", "tcp"), null);
            RawHttp.Response head = c.readHead();
            assertEquals(101, head.status());
            assertEquals("application/vnd.docker.multiplexed-stream", head.header("content-type"));
            assertEquals("tcp", head.header("upgrade"));
            assertEquals(204, RawHttp.request(daemon.socket(), "POST", "/containers/" + id + "/start", Map.of(), null).status());
            assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 3, 'o', 'u', 't', 2, 0, 0, 0, 0, 0, 0, 3, 'e', 'r', 'r'}, c.readToEnd());
        }
        // the plain form, and logs=1 replaying what the (now exited) container printed
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("POST", "/containers/" + id + "/attach?logs=1&stdout=1", Map.of(), null);
            RawHttp.Response head = c.readHead();
            assertEquals(200, head.status());
            assertEquals(null, head.header("upgrade"));
            assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 3, 'o', 'u', 't'}, c.readToEnd());
        }
        // logs=1&stream=1 on a running container: what it printed, then what it prints, once each
        ok("run", "-d", "--name", "later", "busybox", "sh", "-c", "echo one; sleep 1; echo two");
        Thread.sleep(400);
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("POST", "/containers/later/attach?logs=1&stream=1&stdout=1", Map.of("Connection", "Upgrade", "Upgrade", "tcp"), null);
            assertEquals(101, c.readHead().status());
            assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 4, 'o', 'n', 'e', '\n', 1, 0, 0, 0, 0, 0, 0, 4, 't', 'w', 'o', '\n'},
                    c.readToEnd());
        }
        // refused as JSON before any upgrade
        assertError(404, "No such container: nope", "/containers/nope/attach?stream=1&stdout=1");
        assertError(400, "at least one of stdin, stdout and stderr", "/containers/" + id + "/attach?stream=1");
        assertError(400, "Invalid detach keys (ctrl-%25%25)", "/containers/" + id + "/attach?stream=1&stdin=1&detachKeys=ctrl-%25%25");
        assertError(404, "No such exec instance: nope", "/exec/nope/start");
    }

    private void assertError(int status, String message, String path) throws Exception {
        RawHttp.Response r = RawHttp.request(daemon.socket(), "POST", path, Map.of("Connection", "Upgrade", "Upgrade", "tcp",
                "Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(status, r.status(), r.bodyText());
        assertTrue(r.bodyText().contains(message.replace("%25", "%")), r.bodyText());
    }

    private String create(String body) throws Exception {
        RawHttp.Response r = RawHttp.request(daemon.socket(), "POST", "/containers/create",
                Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
        assertEquals(201, r.status(), r.bodyText());
        return r.bodyText().replaceAll(".*\"Id\"\\s*:\\s*\"([0-9a-f]+)\".*", "$1").strip();
    }

    /** Sends a line to an attached non-TTY container's stdin and reads the framed answer. */
    private static String converse(RawHttp c, String line) throws Exception {
        c.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        byte[] header = c.readExactly(8);
        assertEquals(1, header[0], "a stdout frame");
        int size = java.nio.ByteBuffer.wrap(header, 4, 4).getInt();
        return new String(c.readExactly(size), StandardCharsets.UTF_8);
    }

    @Test
    void startAttachedRunsAStoppedContainerAgainWithItsOutput() throws Exception {
        ok("create", "--name", "again", "busybox", "sh", "-c", "echo run; exit 4");
        DockerCli.Result first = docker.run("start", "-a", "again");
        assertEquals(4, first.exitCode(), first.stderr());
        assertEquals("run\n", first.stdout());
        DockerCli.Result second = docker.run("start", "-a", "again");
        assertEquals(4, second.exitCode(), second.stderr());
        assertEquals("run\n", second.stdout(), "attached to the exited container, it got the next run's output");
    }

    @Test
    void attachAndExecWorkOnContainersThatOutlivedTheDaemon() throws Exception {
        ok("run", "-d", "-i", "--name", "echoer", "busybox", "sh", "-c", "while read l; do echo got $l; done");
        String path = "/containers/echoer/attach?stream=1&stdin=1&stdout=1&stderr=1";
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("POST", path, Map.of("Connection", "Upgrade", "Upgrade", "tcp"), null);
            assertEquals(101, c.readHead().status());
            assertEquals("got one\n", converse(c, "one"));
        }   // a client that just goes away: the container runs on
        daemon.process().destroyForcibly();
        assertTrue(daemon.process().waitFor(10, TimeUnit.SECONDS));
        daemon = BerthDaemon.startIn(daemon.dir());
        docker = DockerCli.against(daemon);
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("POST", path, Map.of("Connection", "Upgrade", "Upgrade", "tcp"), null);
            assertEquals(101, c.readHead().status());
            assertEquals("got two\n", converse(c, "two"));
            // end of input ends this session only: the container (not StdinOnce) keeps its stdin
            c.shutdownOutput();
            assertEquals(0, c.readToEnd().length);
        }
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "echoer").stdout().strip());
        assertEquals("after restart\n", ok("exec", "echoer", "echo", "after", "restart").stdout());
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("POST", path, Map.of(), null);
            assertEquals(200, c.readHead().status());
            assertEquals("got three\n", converse(c, "three"));
        }
    }

    @Test
    void aClientThatHangsUpMidStreamLeavesTheContainerAndTheDaemonFine() throws Exception {
        ok("run", "-d", "--name", "chatty", "busybox", "sh", "-c", "while true; do echo chatter; done");
        for (int i = 0; i < 5; i++) {
            try (RawHttp c = new RawHttp(daemon.socket())) {
                c.sendRequest("POST", "/containers/chatty/attach?stream=1&stdout=1", Map.of("Connection", "Upgrade", "Upgrade", "tcp"), null);
                assertEquals(101, c.readHead().status());
                assertEquals(1, c.readExactly(8)[0]);
            }
        }
        Thread.sleep(300);
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "chatty").stdout().strip());
        assertEquals("still\n", ok("exec", "chatty", "echo", "still").stdout());
        String threads = new String(new ProcessBuilder("sh", "-c", "ls /proc/" + daemon.process().pid() + "/task | wc -l")
                .start().getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(Integer.parseInt(threads) < 80, "the daemon has " + threads + " threads: sessions leak threads");
    }

    @Test
    void dockerPyRunsAndExecs() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import docker").start();
        assumeTrue(probe.waitFor() == 0, "docker-py (Debian python3-docker) is not installed: skipping");
        String script = String.join("\n",
                "import docker",
                "c = docker.from_env()",
                "print(c.containers.run('busybox', ['sh', '-c', 'echo from-run'], remove=True).decode(), end='')",
                "box = c.containers.run('busybox', ['sleep', '300'], detach=True, name='py')",
                "code, out = box.exec_run(['sh', '-c', 'echo from-exec; exit 5'])",
                "print(code, out.decode(), end='')",
                "code, (o, e) = box.exec_run(['sh', '-c', 'echo o; echo e >&2'], demux=True)",
                "print(code, o.decode().strip(), e.decode().strip())");
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-c", script).redirectErrorStream(true);
        pb.environment().putAll(docker.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("from-run\n5 from-exec\n0 o e\n", out);
    }

    @Test
    void webSocketAttachCarriesRawBytesBothWays() throws Exception {
        ok("run", "-d", "-i", "--name", "wsbox", "busybox", "sh", "-c", "while read l; do echo ws $l; done");
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("GET", "/containers/wsbox/attach/ws?stream=1&stdin=1&stdout=1", Map.of("Connection", "Upgrade",
                    "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), null);
            RawHttp.Response head = c.readHead();
            assertEquals(101, head.status());
            assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", head.header("sec-websocket-accept"));
            // one masked binary frame from the client, as RFC 6455 wants
            byte[] payload = "hello\n".getBytes(StandardCharsets.UTF_8);
            byte[] mask = {1, 2, 3, 4};
            byte[] frame = new byte[6 + payload.length];
            frame[0] = (byte) 0x82;
            frame[1] = (byte) (0x80 | payload.length);
            System.arraycopy(mask, 0, frame, 2, 4);
            for (int i = 0; i < payload.length; i++) {
                frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
            }
            c.write(frame);
            byte[] answer = c.readExactly(2);
            assertEquals((byte) 0x82, answer[0], "a final binary frame");
            assertEquals("ws hello\n", new String(c.readExactly(answer[1] & 0x7f), StandardCharsets.UTF_8));
        }
        assertEquals("running", ok("inspect", "-f", "{{.State.Status}}", "wsbox").stdout().strip());
        assertFalse(daemon.log().contains("SEVERE"), daemon.log());
    }
}
