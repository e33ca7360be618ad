package dev.berth.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.store.EngineJson;
import dev.berth.errors.EngineException;
import dev.berth.system.ChildProcesses;

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

    private static final ObjectMapper JSON = EngineJson.MAPPER;

    private final Path conmon;
    private final Path runtime;
    private final Path runroot;
    private final Path runtimeRoot;
    private final Path exits;
    private final Path logs;
    private final java.time.Duration deadline;

    /**
     * @param runroot runtime state: bundles ({@code b/}), the runtime's own state ({@code runc/}), exit files ({@code exits/})
     * @param logs    where container logs are kept (under --root, so they survive a reboot)
     */
    public ConmonRuntime(Path conmon, Path runtime, Path runroot, Path logs) throws IOException {
        this(conmon, runtime, runroot, logs, java.time.Duration.ofSeconds(60));
    }

    /** @param deadline how long any one runtime call or monitor start may take before it is killed and fails */
    public ConmonRuntime(Path conmon, Path runtime, Path runroot, Path logs, java.time.Duration deadline) throws IOException {
        this.deadline = deadline;
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
    public Paths execPaths(String containerId, String sessionId) {
        Path dir = paths(containerId).bundle().resolve("x").resolve(sessionId.substring(0, Math.min(20, sessionId.length())));
        return new Paths(dir, dir.resolve("log"), dir.resolve("exit"), dir.resolve("oom"));
    }

    @Override
    public Created create(String id, Stdio stdio, LogPolicy log) throws IOException {
        Paths p = paths(id);
        Files.createDirectories(p.bundle());
        List<String> args = conmonArgs(id, id, p.bundle(), exits, stdio);
        args.addAll(List.of("-l", log.keep() ? "k8s-file:" + p.log() : "none"));
        if (log.keep() && log.cutAt() > 0) {
            args.addAll(List.of("--log-size-max", Long.toString(log.cutAt())));
        }
        return launch(args, p.bundle(), null);
    }

    @Override
    public String name() {
        return runtime.getFileName().toString();
    }

    @Override
    public Created exec(String containerId, String sessionId, byte[] process, Stdio stdio, AttachReady ready) throws IOException {
        Path dir = execPaths(containerId, sessionId).bundle();
        Files.createDirectories(dir);
        Path spec = dir.resolve("process.json");
        Files.write(spec, process);
        // The session's own directory is bundle, exit dir and persist dir: its socket, ctl FIFO and exit file live there.
        List<String> args = conmonArgs(containerId, sessionId, dir, dir, stdio);
        args.addAll(List.of("-l", "none", "-e", "--exec-process-spec", spec.toString()));
        if (ready != null) {
            args.add("--exec-attach");
        }
        return launch(args, dir, ready);
    }

    @Override
    public void reopenLog(String id) throws IOException {
        // conmon reads "<type> <height> <width>" lines; type 2 reopens the log (a bare "2" is refused)
        dev.berth.system.Posix.writeFifo(paths(id).bundle().resolve("ctl"), "2 0 0\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void resize(Paths paths, int height, int width) throws IOException {
        dev.berth.system.Posix.writeFifo(paths.bundle().resolve("ctl"),
                ("1 " + height + " " + width + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private List<String> conmonArgs(String containerId, String monitorId, Path bundle, Path exitDir, Stdio stdio) {
        List<String> cmd = new ArrayList<>(List.of(conmon.toString(), "--api-version", "1", "-c", containerId, "-u", monitorId,
                "-r", runtime.toString(), "--runtime-arg", "--root", "--runtime-arg", runtimeRoot.toString(),
                "-b", bundle.toString(), "-p", bundle.resolve("pidfile").toString(), "-n", containerId,
                "--exit-dir", exitDir.toString(), "--full-attach", "--log-level", "error",
                "--socket-dir-path", bundle.toString(), "--persist-dir", bundle.toString(),
                "-P", bundle.resolve("conmon.pid").toString()));
        if (stdio.terminal()) {
            cmd.add("-t");
        }
        if (stdio.stdin()) {
            cmd.add("-i");
            if (stdio.leaveStdinOpen()) {
                cmd.add("--leave-stdin-open");
            }
        }
        return cmd;
    }

    /**
     * Starts conmon with its pipes as FIFOs in {@code dir} and returns once it reported the process. The
     * shell opens them in the order 3, 4, 5, and so must we. With {@code ready} (exec with attach),
     * conmon reports its attach socket on the attach pipe, then waits for a second start byte.
     */
    private Created launch(List<String> conmonArgs, Path dir, AttachReady ready) throws IOException {
        Path sync = dir.resolve("sync.fifo");
        Path start = dir.resolve("start.fifo");
        Path attach = dir.resolve("attach.fifo");
        List<Path> fifos = ready == null ? List.of(sync, start) : List.of(sync, start, attach);
        for (Path f : fifos) {
            Files.deleteIfExists(f);
            mkfifo(f);
        }
        // setpriv: a daemon that dies before it opened the FIFOs' other ends takes the wrapper, blocked opening
        // them, with it (it would wait for ever); the monitor itself is forked off later and lives on
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "sh", "-c",
                "exec \"$0\" \"$@\" 3>\"$SYNC_FIFO\" 4<\"$START_FIFO\"" + (ready == null ? "" : " 5>\"$ATTACH_FIFO\"")));
        cmd.addAll(conmonArgs);
        // conmon's output goes to a file: its monitor process keeps the descriptors, and a pipe would never end.
        Path conmonOut = dir.resolve("conmon.out");
        ProcessBuilder pb = ChildProcesses.builder(cmd.toArray(String[]::new)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(conmonOut.toFile());
        pb.environment().put("_OCI_SYNCPIPE", "3");
        pb.environment().put("_OCI_STARTPIPE", "4");
        pb.environment().put("SYNC_FIFO", sync.toString());
        pb.environment().put("START_FIFO", start.toString());
        if (ready != null) {
            pb.environment().put("_OCI_ATTACHPIPE", "5");
            pb.environment().put("ATTACH_FIFO", attach.toString());
        }
        Process shell = pb.start();
        Watchdog watchdog = new Watchdog(shell, dir.resolve("conmon.pid"), fifos);
        try (BufferedReader syncIn = new BufferedReader(new InputStreamReader(Files.newInputStream(sync), StandardCharsets.UTF_8));
             OutputStream startOut = Files.newOutputStream(start)) {
            if (ready != null) {
                try (BufferedReader attachIn = new BufferedReader(new InputStreamReader(Files.newInputStream(attach), StandardCharsets.UTF_8))) {
                    startOut.write(0);
                    startOut.flush();
                    String line = attachIn.readLine();
                    if (line == null || JSON.readTree(line).path("data").asInt(-1) != 0) {
                        throw new IOException("conmon could not set up the attach socket: " + conmonOutput(shell, conmonOut, line));
                    }
                    ready.attach(dir.resolve("attach"));
                }
            }
            startOut.write(0);
            startOut.close();
            if (!shell.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                shell.destroyForcibly();
                throw new IOException("conmon did not detach within " + deadline.toSeconds() + "s");
            }
            if (shell.exitValue() != 0) {
                throw new IOException("conmon exited with " + shell.exitValue() + ": " + Files.readString(conmonOut).strip());
            }
            String line = syncIn.readLine();
            if (line == null) {
                throw new IOException((watchdog.fired() ? "conmon did not report the process within " + deadline.toSeconds()
                        + "s and was killed" : "conmon exited without reporting the process") + ": " + Files.readString(conmonOut).strip());
            }
            JsonNode msg = JSON.readTree(line);
            long pid = msg.path("data").asLong(-1);
            if (pid <= 0) {
                throw new EngineException(EngineException.Kind.INVALID_ARGUMENT, runtimeMessage(msg.path("message").asText("the runtime failed")));
            }
            return new Created(pid);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting conmon", e);
        } finally {
            watchdog.cancel();
            if (shell.isAlive()) {
                shell.destroyForcibly();     // failed half-way: do not leave a monitor waiting for a start byte
            }
            for (Path f : fifos) {
                Files.deleteIfExists(f);
            }
        }
    }

    /**
     * Ends a conmon start that takes longer than the deadline (a hung runtime, a wrapper that died before
     * opening its FIFOs): kills the wrapper and the monitor, and keeps opening each FIFO read-write, which
     * releases a daemon thread blocked opening it; its read then sees the end, its write fails.
     */
    private final class Watchdog {
        private final Thread thread;
        private boolean done;
        private boolean fired;

        Watchdog(Process shell, Path conmonPid, List<Path> fifos) {
            thread = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(deadline);
                } catch (InterruptedException cancelled) {
                    return;
                }
                synchronized (this) {
                    if (done) {
                        return;
                    }
                    fired = true;
                }
                shell.destroyForcibly();
                try {
                    ProcessHandle.of(Long.parseLong(Files.readString(conmonPid).strip())).ifPresent(monitor -> {
                        monitor.descendants().forEach(ProcessHandle::destroyForcibly);  // the hung runtime
                        monitor.destroyForcibly();
                    });
                } catch (IOException | NumberFormatException noMonitor) {
                    // it never got that far
                }
                // until the launch gives up: each open it still makes of a FIFO is released in turn
                try {
                    while (!isDone()) {
                        fifos.forEach(dev.berth.system.Posix::releaseFifo);
                        Thread.sleep(50);
                    }
                } catch (InterruptedException finished) {
                    // the launch has failed and cleaned up
                }
            });
        }

        synchronized boolean fired() {
            return fired;
        }

        private synchronized boolean isDone() {
            return done;
        }

        void cancel() {
            synchronized (this) {
                done = true;
            }
            thread.interrupt();
        }
    }

    private static String conmonOutput(Process shell, Path conmonOut, String line) throws IOException {
        try {
            shell.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String out = Files.readString(conmonOut).strip();
        return out.isEmpty() && line != null ? line : out;
    }

    @Override
    public void start(String id) throws IOException {
        runtime("start", id);
    }

    @Override
    public void freeze(String id, boolean frozen) throws IOException {
        runtime(frozen ? "pause" : "resume", id);
    }

    @Override
    public void update(String id, byte[] resources) throws IOException {
        Path file = paths(id).bundle().resolve("resources.json");
        Files.write(file, resources);
        try {
            runtime("update", "--resources", file.toString(), id);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public List<Long> pids(String id) throws IOException {
        List<Long> pids = new ArrayList<>();
        JSON.readTree(runtime("ps", "--format", "json", id)).forEach(p -> pids.add(p.asLong()));
        return pids;
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
    public java.util.Optional<ProcessHandle> monitor(String id) {
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(paths(id).bundle().resolve("conmon.pid")).strip()))
                    .filter(p -> p.info().command().map(c -> c.endsWith("conmon")).orElse(true));
        } catch (IOException | NumberFormatException gone) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public List<ProcessHandle> leftovers(String id) {
        String leaf = "/" + id;
        return ProcessHandle.allProcesses().filter(p -> {
            String cmdline = p.info().commandLine().orElse("");
            if (p.info().command().map(c -> c.endsWith("/conmon")).orElse(false) && cmdline.contains(" -c " + id + " ")) {
                return true;
            }
            try {
                // the container's cgroup ends in its id, whatever its parent (--cgroup-parent)
                return Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "cgroup")).stream()
                        .anyMatch(l -> l.endsWith(leaf));
            } catch (IOException | RuntimeException gone) {
                return false;
            }
        }).toList();
    }

    @Override
    public OptionalInt exitCode(Paths paths) throws IOException {
        Path f = paths.exitFile();
        if (!Files.exists(f)) {
            return OptionalInt.empty();
        }
        String text = Files.readString(f).strip();
        return text.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(text));
    }

    /**
     * Runs the OCI runtime; its output (stdout and stderr) when it succeeds. Output goes to a file, not a
     * pipe, so a child that keeps the pipe open cannot stall us; past the deadline the runtime is killed.
     */
    private String runtime(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(runtime.toString(), "--root", runtimeRoot.toString()));
        cmd.addAll(List.of(args));
        String command = runtime.getFileName() + " " + String.join(" ", args);
        Path outFile = Files.createTempFile(runroot, "runtime-", ".out");
        try {
            Process p = ChildProcesses.builder(cmd.toArray(String[]::new)).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(outFile.toFile()).start();
            try {
                if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new IOException(command + " did not finish within " + deadline.toSeconds() + "s and was killed");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command, e);
            }
            String out = Files.readString(outFile).strip();
            if (p.exitValue() != 0) {
                throw new IOException(command + " failed: " + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(outFile);
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
