package dev.berth.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.errors.EngineException;
import dev.berth.host.ChildProcesses;
import dev.berth.host.EngineJson;
import dev.berth.host.Posix;
import dev.berth.host.Spawn;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * One real conmon per container, running the OCI runtime (runc). conmon gets the sync and start pipes
 * ({@code _OCI_SYNCPIPE}, {@code _OCI_STARTPIPE}) as fds 3 and 4 of a {@code posix_spawn} ({@link Spawn}): it
 * waits for a byte on the start pipe before it runs the runtime, then writes one JSON line to the sync pipe:
 * the container's pid, or the runtime's error. conmon double-forks, so the container's monitor is no child of
 * the daemon and survives it; should the daemon die first, the start pipe ends and conmon with it.
 */
public final class ConmonRuntime implements OciRuntime {

    private static final ObjectMapper JSON = EngineJson.MAPPER;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ConmonRuntime.class.getName());

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
    public Created create(String id, byte[] spec, Stdio stdio, LogPolicy log) throws IOException {
        Paths p = paths(id);
        Files.createDirectories(p.bundle());
        Files.write(p.bundle().resolve("config.json"), spec);
        Files.deleteIfExists(p.exitFile());     // a previous run's
        List<String> args = conmonArgs(id, id, p.bundle(), exits, stdio);
        args.addAll(List.of("-l", log.keep() ? "k8s-file:" + p.log() : "none"));
        if (log.keep() && log.cutAt() > 0) {
            args.addAll(List.of("--log-size-max", Long.toString(log.cutAt())));
        }
        return launch(args, p.bundle(), null);
    }

    @Override
    public byte[] spec(String id) throws IOException {
        return Files.readAllBytes(paths(id).bundle().resolve("config.json"));
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
    public void forgetExec(String containerId, String sessionId) throws IOException {
        dev.berth.host.FileTrees.delete(execPaths(containerId, sessionId).bundle());
    }

    @Override
    public void reopenLog(String id) throws IOException {
        // conmon reads "<type> <height> <width>" lines; type 2 reopens the log (a bare "2" is refused)
        dev.berth.host.Posix.writeFifo(paths(id).bundle().resolve("ctl"), "2 0 0\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void resize(Paths paths, int height, int width) throws IOException {
        dev.berth.host.Posix.writeFifo(paths.bundle().resolve("ctl"),
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
     * Starts conmon with its pipes as fds 3, 4 (and 5) and returns once it reported the process. With
     * {@code ready} (exec with attach), conmon reports its attach socket on the attach pipe, then waits for a
     * second start byte.
     */
    private Created launch(List<String> conmonArgs, Path dir, AttachReady ready) throws IOException {
        Map<String, String> env = new HashMap<>(ChildProcesses.environment());
        env.put("_OCI_SYNCPIPE", "3");
        env.put("_OCI_STARTPIPE", "4");
        if (ready != null) {
            env.put("_OCI_ATTACHPIPE", "5");
        }
        Path conmonOut = dir.resolve("conmon.out");
        // conmon's ends: the sync pipe's write end, the start pipe's read end, the attach pipe's write end
        List<Pipe> pipes = new ArrayList<>();
        Child conmonProcess;
        try {
            pipes.add(Pipe.open(false));
            pipes.add(Pipe.open(true));
            if (ready != null) {
                pipes.add(Pipe.open(false));
            }
            // conmon's output goes to a file: its monitor process keeps the descriptors, and a pipe would never end
            conmonProcess = new Child(Spawn.spawn(conmonArgs, env, pipes.stream().map(Pipe::childEnd).toList(), conmonOut));
        } catch (IOException | RuntimeException e) {
            pipes.forEach(Pipe::close);
            throw e;
        } finally {
            pipes.forEach(Pipe::closeChildEnd);
        }
        Pipe sync = pipes.get(0);
        Pipe start = pipes.get(1);
        Pipe attach = ready == null ? null : pipes.get(2);
        Watchdog watchdog = new Watchdog(conmonProcess, dir.resolve("conmon.pid"));
        try (BufferedReader syncIn = new BufferedReader(new InputStreamReader(sync.reader(), StandardCharsets.UTF_8));
             OutputStream startOut = start.writer()) {
            if (ready != null) {
                try (BufferedReader attachIn = new BufferedReader(new InputStreamReader(attach.reader(), StandardCharsets.UTF_8))) {
                    startOut.write(0);
                    startOut.flush();
                    String line = attachIn.readLine();
                    if (line == null || JSON.readTree(line).path("data").asInt(-1) != 0) {
                        conmonProcess.await(5000);
                        throw new IOException("conmon could not set up the attach socket: " + conmonOutput(conmonOut, line));
                    }
                    ready.attach(dir.resolve("attach"));
                }
            }
            startOut.write(0);
            startOut.close();
            OptionalInt detached = conmonProcess.await(deadline.toMillis());
            if (detached.isEmpty()) {
                throw new IOException("conmon did not detach within " + deadline.toSeconds() + "s");
            }
            if (detached.getAsInt() != 0) {
                throw new IOException("conmon exited with " + detached.getAsInt() + ": " + Files.readString(conmonOut).strip());
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
            conmonProcess.end();     // failed half-way: do not leave a monitor waiting for a start byte
            pipes.forEach(Pipe::close);
        }
    }

    /**
     * One end of a pipe for conmon (as fd 3, 4, ...), the other the daemon's. The daemon's end is reopened through
     * /proc as a JDK stream, so a thread waiting on it blocks in the JDK (a virtual thread's carrier is freed), not
     * in a native read.
     */
    private record Pipe(int daemonEnd, int childEnd, boolean daemonWrites) {
        static Pipe open(boolean daemonWrites) throws IOException {
            int[] fds = Spawn.pipe();
            return daemonWrites ? new Pipe(fds[1], fds[0], true) : new Pipe(fds[0], fds[1], false);
        }

        /** (An anonymous pipe's end opens at once through /proc, unlike a FIFO's: no wait for the other side.) */
        InputStream reader() throws IOException {
            return Files.newInputStream(Posix.fdPath(daemonEnd));
        }

        OutputStream writer() throws IOException {
            return Files.newOutputStream(Posix.fdPath(daemonEnd));
        }

        void closeChildEnd() {
            Posix.close(childEnd);
        }

        void close() {
            Posix.close(daemonEnd);
        }
    }

    /** A process the daemon spawned, and reaps: its exit status once known. */
    private static final class Child {
        private final int pid;
        private OptionalInt status = OptionalInt.empty();

        Child(int pid) {
            this.pid = pid;
        }

        synchronized OptionalInt await(long millis) throws IOException, InterruptedException {
            if (status.isEmpty()) {
                status = Spawn.await(pid, millis);
            }
            return status;
        }

        /** Killed, unless it has ended, and reaped. */
        void end() {
            try {
                if (await(0).isEmpty()) {
                    kill();
                    await(5000);
                }
            } catch (IOException e) {
                LOG.warning("reaping " + pid + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void kill() {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Ends a conmon start that takes longer than the deadline (a hung runtime): kills conmon, its monitor and
     * the runtime under it, whose ends of the pipes close with them, which ends the daemon's waits on them.
     */
    private final class Watchdog {
        private final Thread thread;
        private boolean done;
        private boolean fired;

        Watchdog(Child conmonProcess, Path conmonPid) {
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
                conmonProcess.kill();
                try {
                    ProcessHandle.of(Long.parseLong(Files.readString(conmonPid).strip())).ifPresent(monitor -> {
                        monitor.descendants().forEach(ProcessHandle::destroyForcibly);  // the hung runtime
                        monitor.destroyForcibly();
                    });
                } catch (IOException | NumberFormatException noMonitor) {
                    // it never got that far
                }
            });
        }

        synchronized boolean fired() {
            return fired;
        }

        void cancel() {
            synchronized (this) {
                done = true;
            }
            thread.interrupt();
        }
    }

    private static String conmonOutput(Path conmonOut, String line) throws IOException {
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
            dev.berth.host.FileTrees.delete(paths(id).bundle());
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
            Child p = new Child(Spawn.spawn(cmd, ChildProcesses.environment(), List.of(), outFile));
            OptionalInt status;
            try {
                status = p.await(deadline.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command, e);
            } finally {
                p.end();
            }
            if (status.isEmpty()) {
                throw new IOException(command + " did not finish within " + deadline.toSeconds() + "s and was killed");
            }
            String out = Files.readString(outFile).strip();
            if (status.getAsInt() != 0) {
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

}
