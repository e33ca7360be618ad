package dev.berth.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.engine.EngineException;
import dev.berth.runtime.ChildProcesses;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * One real conmon per container, running the OCI runtime (runc). conmon gets the sync and start pipes
 * ({@code _OCI_SYNCPIPE}, {@code _OCI_STARTPIPE}) through two named FIFOs opened by a {@code sh -c exec}
 * wrapper, since Java hands children only fds 0-2: it waits for a byte on the start pipe before it runs
 * the runtime, then writes one JSON line to the sync pipe: the container's pid, or the runtime's error.
 * conmon double-forks, so the container's monitor is no child of the daemon and survives it.
 */
public final class ConmonRuntime implements OciRuntime {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path conmon;
    private final Path runtime;
    private final Path runroot;
    private final Path runtimeRoot;
    private final Path exits;
    private final Path logs;

    /**
     * @param runroot runtime state: bundles ({@code b/}), the runtime's own state ({@code runc/}), exit files ({@code exits/})
     * @param logs    where container logs are kept (under --root, so they survive a reboot)
     */
    public ConmonRuntime(Path conmon, Path runtime, Path runroot, Path logs) throws IOException {
        this.conmon = conmon;
        this.runtime = runtime;
        this.runroot = runroot;
        this.runtimeRoot = Files.createDirectories(runroot.resolve(runtime.getFileName().toString()));
        this.exits = Files.createDirectories(runroot.resolve("exits"));
        this.logs = Files.createDirectories(logs);
    }

    public Path exitDir() {
        return exits;
    }

    @Override
    public Paths paths(String id) {
        // Short bundle names: the attach socket inside the bundle must fit sun_path's 108 bytes.
        Path bundle = runroot.resolve("b").resolve(id.substring(0, Math.min(20, id.length())));
        return new Paths(bundle, logs.resolve(id + ".log"), exits.resolve(id), bundle.resolve("oom"));
    }

    @Override
    public Created create(String id, boolean terminal, boolean stdin) throws IOException {
        Paths p = paths(id);
        Path sync = p.bundle().resolve("sync.fifo");
        Path start = p.bundle().resolve("start.fifo");
        Files.createDirectories(p.bundle());
        Files.deleteIfExists(sync);
        Files.deleteIfExists(start);
        mkfifo(sync);
        mkfifo(start);
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec \"$0\" \"$@\" 3>\"$SYNC_FIFO\" 4<\"$START_FIFO\"",
                conmon.toString(), "--api-version", "1", "-c", id, "-u", id, "-r", runtime.toString(),
                "--runtime-arg", "--root", "--runtime-arg", runtimeRoot.toString(),
                "-b", p.bundle().toString(), "-p", p.bundle().resolve("pidfile").toString(),
                "-n", id, "--exit-dir", exits.toString(), "--full-attach", "-l", "k8s-file:" + p.log(),
                "--log-level", "error", "--socket-dir-path", p.bundle().toString(), "--persist-dir", p.bundle().toString(),
                "-P", p.bundle().resolve("conmon.pid").toString()));
        if (terminal) {
            cmd.add("-t");
        }
        if (stdin) {
            cmd.add("-i");
        }
        // conmon's output goes to a file: its monitor process keeps the descriptors, and a pipe would never end.
        Path conmonOut = p.bundle().resolve("conmon.out");
        ProcessBuilder pb = ChildProcesses.builder(cmd.toArray(String[]::new)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(conmonOut.toFile());
        pb.environment().put("_OCI_SYNCPIPE", "3");
        pb.environment().put("_OCI_STARTPIPE", "4");
        pb.environment().put("SYNC_FIFO", sync.toString());
        pb.environment().put("START_FIFO", start.toString());
        Process shell = pb.start();
        try {
            // The shell opens the sync FIFO first (for writing), then the start FIFO (for reading).
            try (BufferedReader syncIn = new BufferedReader(new InputStreamReader(Files.newInputStream(sync), StandardCharsets.UTF_8))) {
                try (OutputStream startOut = Files.newOutputStream(start)) {
                    startOut.write(0);
                }
                if (!shell.waitFor(60, TimeUnit.SECONDS)) {
                    shell.destroyForcibly();
                    throw new IOException("conmon did not detach within 60s");
                }
                String output = Files.readString(conmonOut).strip();
                if (shell.exitValue() != 0) {
                    throw new IOException("conmon exited with " + shell.exitValue() + ": " + output);
                }
                String line = syncIn.readLine();
                if (line == null) {
                    throw new IOException("conmon exited without reporting the container: " + output);
                }
                JsonNode msg = JSON.readTree(line);
                long pid = msg.path("data").asLong(-1);
                if (pid <= 0) {
                    throw new EngineException(EngineException.Kind.INVALID_ARGUMENT, runtimeMessage(msg.path("message").asText("the runtime failed")));
                }
                return new Created(pid);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating " + id, e);
        } finally {
            Files.deleteIfExists(sync);
            Files.deleteIfExists(start);
        }
    }

    @Override
    public void start(String id) throws IOException {
        runtime("start", id);
    }

    @Override
    public void kill(String id, int signal) throws IOException {
        runtime("kill", id, Integer.toString(signal));
    }

    @Override
    public void delete(String id) throws IOException {
        try {
            runtime("delete", "--force", id);
        } finally {
            Files.deleteIfExists(paths(id).exitFile());
            dev.berth.image.FileTrees.delete(paths(id).bundle());
        }
    }

    @Override
    public OptionalInt exitCode(String id) throws IOException {
        Path f = paths(id).exitFile();
        if (!Files.exists(f)) {
            return OptionalInt.empty();
        }
        String text = Files.readString(f).strip();
        return text.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(text));
    }

    private void runtime(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(runtime.toString(), "--root", runtimeRoot.toString()));
        cmd.addAll(List.of(args));
        Process p = ChildProcesses.builder(cmd.toArray(String[]::new)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(runtime.getFileName() + " " + args[0] + " did not finish within 60s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(runtime.getFileName() + " " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** runc logs as {@code time="..." level=error msg="..."}: the user needs the msg, which keeps the phrases the CLI maps to 126/127. */
    static String runtimeMessage(String raw) {
        var m = java.util.regex.Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(raw);
        return m.find() ? m.group(1).replaceAll("\\\\(.)", "$1") : raw.strip();
    }

    private static void mkfifo(Path path) throws IOException {
        dev.berth.system.Posix.mknod(path, dev.berth.system.Posix.S_IFIFO, 0600, 0, 0);
    }
}
