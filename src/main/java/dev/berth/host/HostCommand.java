package dev.berth.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host tool to completion (ip, iptables, CNI plugins). Its input and output go through files, not
 * pipes, so a child that leaves a pipe open cannot stall the caller; past the deadline it is killed.
 */
public final class HostCommand {

    /** How a run ended: the exit code, and what it wrote to stdout and stderr. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private HostCommand() {}

    public static Result run(List<String> command, Map<String, String> env, byte[] stdin, Duration deadline) throws IOException {
        Path in = Files.createTempFile("berth-cmd-", ".in");
        Path out = Files.createTempFile("berth-cmd-", ".out");
        Path err = Files.createTempFile("berth-cmd-", ".err");
        try {
            Files.write(in, stdin);
            ProcessBuilder pb = ChildProcesses.builder(command.toArray(String[]::new))
                    .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            try {
                if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new IOException(String.join(" ", command) + " did not finish within " + deadline.toSeconds() + "s and was killed");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command.getFirst(), e);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs it and answers its stdout; a non-zero exit is an IOException with what it said. */
    public static String check(Duration deadline, String... command) throws IOException {
        Result r = run(List.of(command), Map.of(), new byte[0], deadline);
        if (!r.ok()) {
            throw new IOException(String.join(" ", command) + " failed (" + r.exitCode() + "): " + (r.stderr() + r.stdout()).strip());
        }
        return r.stdout();
    }
}
