package dev.berth.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * A monitored OCI runtime: the seam between the engine and whatever keeps containers running (as
 * podman's {@code OCIRuntime}). The conmon implementation runs one conmon per container, so containers
 * outlive the daemon. Blocking: call off the event loop.
 */
public interface OciRuntime {

    /**
     * Where a container's runtime-side files live: bundle (config.json, attach socket, ctl FIFO), log, exit
     * file. The runtime writes them; the engine reads the log and connects to the attach socket.
     */
    record Paths(Path bundle, Path log, Path exitFile, Path oomFile) {
        /** The monitor's attach socket: the process's stdio. */
        public Path attachSocket() {
            return bundle.resolve("attach");
        }
    }

    /** What create or exec made: the process id. */
    record Created(long pid) {}

    /**
     * The process's stdio: a terminal or pipes; whether it reads stdin; whether stdin stays open when an
     * attached client hangs up (false: the client's end of input is the process's, as for StdinOnce).
     */
    record Stdio(boolean terminal, boolean stdin, boolean leaveStdinOpen) {}

    /**
     * What happens to the container's output besides the attached clients: kept in its log, or not; the
     * monitor cuts the log back once it reaches {@code cutAt} bytes (when > 0).
     */
    record LogPolicy(boolean keep, long cutAt) {}

    /** Called once the session's attach socket is ready, before its process runs: connect there to miss nothing. */
    @FunctionalInterface
    interface AttachReady {
        void attach(Path socket) throws IOException;
    }

    /** The container's runtime-side file locations (nothing is created). */
    Paths paths(String id);

    /**
     * Writes the container's bundle with {@code spec} (an OCI runtime spec, JSON) as its config and creates
     * the container from it under a new monitor; the process is created but not started. A runtime failure
     * comes back with the runtime's message.
     */
    Created create(String id, byte[] spec, Stdio stdio, LogPolicy log) throws IOException;

    /** The OCI spec the container was created with, while its runtime state lasts (what exec sessions start from). */
    byte[] spec(String id) throws IOException;

    /** The runtime's name, as {@code HostConfig.Runtime} and {@code docker info} show it (runc, crun). */
    String name();

    /**
     * An exec session's files: its bundle holds the attach socket and ctl FIFO; there is no log. They live
     * in the container's bundle, so they go with the container's runtime state.
     */
    Paths execPaths(String containerId, String sessionId);

    /**
     * Runs {@code process} (an OCI process spec) in the running container under a monitor of its own.
     * With {@code ready} the process waits until that returns; without, nobody attaches (detached exec).
     */
    Created exec(String containerId, String sessionId, byte[] process, Stdio stdio, AttachReady ready) throws IOException;

    /** Deletes an ended exec session's files. */
    void forgetExec(String containerId, String sessionId) throws IOException;

    /** Has the container's monitor reopen its log file (after the daemon renamed it away: rotation). */
    void reopenLog(String id) throws IOException;

    /** Resizes the terminal of the container or exec session whose files these are. */
    void resize(Paths paths, int height, int width) throws IOException;

    /** Starts the created process. */
    void start(String id) throws IOException;

    /** Freezes (pause) or thaws (resume) all the container's processes. */
    void freeze(String id, boolean frozen) throws IOException;

    /** Changes a running container's cgroup limits: {@code resources} is an OCI LinuxResources object (JSON). */
    void update(String id, byte[] resources) throws IOException;

    /** The ids of all the container's processes. */
    List<Long> pids(String id) throws IOException;

    /** Sends a signal to the container's init process. */
    void kill(String id, int signal) throws IOException;

    /** Removes the container from the runtime (killing what is left of it). */
    void delete(String id) throws IOException;

    /** The container's monitor process while it lives (it outlives the daemon, so it is no child of ours). */
    java.util.Optional<ProcessHandle> monitor(String id);

    /**
     * Processes of a container whose runtime state is gone (its runroot was removed while it ran): its
     * monitor and whatever still runs in its cgroup. The daemon cannot attach to them again.
     */
    List<ProcessHandle> leftovers(String id);

    /** The exit code, once the process these files belong to (container or exec session) has ended. */
    OptionalInt exitCode(Paths paths) throws IOException;
}
