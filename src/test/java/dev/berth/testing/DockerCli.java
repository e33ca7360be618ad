package dev.berth.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The real docker CLI pointed at a Berth socket. Tests that need it skip, saying so, where it is absent. */
public final class DockerCli {

    public record Result(int exitCode, String stdout, String stderr) {}

    private final Path binary;
    private final Path socket;
    private final Path config;

    private DockerCli(Path binary, Path socket, Path config) {
        this.binary = binary;
        this.socket = socket;
        this.config = config;
    }

    /** The CLI talking to this daemon, with a client config dir inside the daemon's scratch dir. */
    public static DockerCli against(BerthDaemon daemon) {
        return against(daemon.socket(), daemon.dir());
    }

    /** The CLI talking to the daemon on this socket, keeping its client config under {@code scratch}. */
    public static DockerCli against(Path socket, Path scratch) {
        Optional<Path> docker = find();
        assumeTrue(docker.isPresent(), "docker CLI not installed (looked in /usr/local/bin and PATH): skipping");
        return new DockerCli(docker.get(), socket, scratch.resolve("docker-config"));
    }

    private static Optional<Path> find() {
        Stream<Path> candidates = Stream.concat(Stream.of(Path.of("/usr/local/bin/docker")),
                Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, "docker")));
        return candidates.filter(Files::isExecutable).findFirst();
    }

    /** The environment that points a docker client (the CLI, docker-py) at this daemon. */
    public java.util.Map<String, String> environment() throws java.io.IOException {
        return java.util.Map.of("DOCKER_HOST", "unix://" + socket, "DOCKER_CONFIG", Files.createDirectories(config).toString());
    }

    /** A shell command line running the CLI with these arguments (for a terminal to run). */
    public String commandLine(String... args) {
        StringBuilder sb = new StringBuilder(binary.toString());
        for (String a : args) {
            sb.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }

    public Result run(String... args) throws Exception {
        return runWithInput(new byte[0], args);
    }

    /** Runs the CLI with {@code input} on its stdin (then end of file). */
    public Result runWithInput(byte[] input, String... args) throws Exception {
        return runStreaming(new java.io.ByteArrayInputStream(input), null, args);
    }

    /**
     * Runs the CLI with {@code input} streamed to its stdin (then end of file) and, when {@code stdoutSink}
     * is given, its stdout streamed there instead of kept (the result's stdout is then empty).
     */
    public Result runStreaming(java.io.InputStream input, java.io.OutputStream stdoutSink, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("DOCKER_CONTEXT");
        pb.environment().putAll(environment());
        Process p = pb.start();
        CompletableFuture<Void> in = CompletableFuture.runAsync(() -> {
            try (var stdin = p.getOutputStream()) {
                input.transferTo(stdin);
            } catch (java.io.IOException e) {
                // the CLI stopped reading: what it got is what the test checks
            }
        });
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out;
        if (stdoutSink == null) {
            out = read(p.getInputStream());
        } else {
            p.getInputStream().transferTo(stdoutSink);
            out = "";
        }
        in.join();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker " + String.join(" ", args) + " did not finish within 120s");
        }
        return new Result(p.exitValue(), out, err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
