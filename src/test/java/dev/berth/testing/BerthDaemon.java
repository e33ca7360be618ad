package dev.berth.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real berthd, started the way a user starts it (daemon/berthd running the packaged jar), in a
 * scratch directory of its own: root, runroot, a unix socket and a loopback TCP port.
 */
public final class BerthDaemon implements AutoCloseable {

    /** A loopback port nothing listens on: queries forwarded there fail at once. */
    private static final int DNS_SINK = 9;

    private final Path dir;
    private final Path socket;
    private final int tcpPort;
    private final Path log;
    private final Process process;

    private BerthDaemon(Path dir, Path socket, int tcpPort, Path log, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.tcpPort = tcpPort;
        this.log = log;
        this.process = process;
    }

    public static Path repo() {
        return Path.of(System.getProperty("berth.repo", ".")).toAbsolutePath().normalize();
    }

    public static Path launcher() {
        return repo().resolve("daemon/berthd");
    }

    /** A scratch directory under /tmp: unix socket paths must stay under 108 bytes. */
    public static Path scratch() throws IOException {
        return Files.createTempDirectory(Path.of("/tmp"), "berth-test-");
    }

    /** Starts a daemon on a new scratch dir with a unix socket and a TCP port, and waits for its first ping. */
    public static BerthDaemon start(String... extraArgs) throws Exception {
        return startIn(scratch(), extraArgs);
    }

    /** Starts a daemon whose root and runroot are under {@code dir} (so a second start sees the first's state). */
    public static BerthDaemon startIn(Path dir, String... extraArgs) throws Exception {
        return startIn(dir, Map.of(), extraArgs);
    }

    /** As {@link #startIn(Path, String...)}, with extra environment for the launcher (BERTH_JAVA_OPTS, ...). */
    public static BerthDaemon startIn(Path dir, Map<String, String> env, String... extraArgs) throws Exception {
        Path socket = dir.resolve("berth.sock");
        int port = freePort();
        // An empty config of its own, so a /etc/berth/berth.json on the machine cannot change the test.
        Path config = dir.resolve("berth.json");
        if (!Files.exists(config)) {
            Files.writeString(config, "{}");
        }
        List<String> args = new ArrayList<>(List.of(
                "-H", "unix://" + socket, "-H", "tcp://127.0.0.1:" + port,
                "--root", dir.resolve("root").toString(), "--runroot", dir.resolve("run").toString(),
                "--config", config.toString()));
        args.addAll(List.of(extraArgs));
        if (!args.contains("--dns-upstream")) {
            // names no container has go nowhere: tests never send DNS queries off this machine
            args.addAll(List.of("--dns-upstream", "127.0.0.1:" + DNS_SINK));
        }
        Path log = dir.resolve("berthd.log");
        Process p = launch(args, env, log);
        BerthDaemon d = new BerthDaemon(dir, socket, port, log, p);
        d.awaitPing(Duration.ofSeconds(30));
        return d;
    }

    /**
     * JVM options that send the daemon's HTTP(S) to a dead proxy on loopback unless it goes to loopback
     * (the JDK's default non-proxy hosts): a test that makes the daemon reach for Docker Hub (a client
     * pulling an image of its own, as Testcontainers' checks do) fails here, and nothing leaves the machine.
     */
    static final String NO_EGRESS = "-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=9 -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=9";

    /** Runs daemon/berthd with these arguments, output to {@code log}. */
    public static Process launch(List<String> args, Map<String, String> env, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().merge("BERTH_JAVA_OPTS", NO_EGRESS, (given, extra) -> given + " " + extra);
        return pb.start();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void awaitPing(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("berthd exited with " + process.exitValue() + ":\n" + log());
            }
            // ready once every listener is up (the log line comes after all of them), and answering
            if (Files.exists(socket) && log().contains("serving the Docker API")) {
                try {
                    if (RawHttp.request(socket, "GET", "/_ping", Map.of(), null).status() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("berthd did not answer /_ping within " + timeout + ":\n" + log());
    }

    public Path socket() {
        return socket;
    }

    public int tcpPort() {
        return tcpPort;
    }

    public String tcpUri() {
        return "http://127.0.0.1:" + tcpPort;
    }

    public Path dir() {
        return dir;
    }

    public Process process() {
        return process;
    }

    /** The daemon's live heap after a full collection, in bytes. */
    public long liveHeap() throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        String pid = Long.toString(process.pid());
        new ProcessBuilder(jcmd.toString(), pid, "GC.run").start().waitFor(30, TimeUnit.SECONDS);
        Process p = new ProcessBuilder(jcmd.toString(), pid, "GC.heap_info").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        var m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure from jcmd: " + out);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then the exit code (a hung daemon is killed and fails the caller's assertion). */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            stop();
        }
        deleteTree(dir);
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
