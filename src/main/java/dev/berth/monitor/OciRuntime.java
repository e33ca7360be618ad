package dev.berth.monitor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * A monitored OCI runtime: the seam between the engine and whatever keeps containers running (as
 * podman's {@code OCIRuntime}). The conmon implementation runs one conmon per container, so containers
 * outlive the daemon. Blocking: call off the event loop.
 */
public interface OciRuntime {

    /** Where a container's runtime-side files live: bundle (config.json, attach socket, ctl FIFO), log, exit file. */
    record Paths(Path bundle, Path log, Path exitFile, Path oomFile) {}

    /** What create made: the container's init process id. */
    record Created(long pid) {}

    /** The container's runtime-side file locations (nothing is created). */
    Paths paths(String id);

    /**
     * Creates the container from the bundle (its {@code config.json} written by the caller) under a new
     * monitor; the process is created but not started. A runtime failure comes back with the runtime's message.
     */
    Created create(String id, boolean terminal, boolean stdin) throws IOException;

    /** Starts the created process. */
    void start(String id) throws IOException;

    /** Sends a signal to the container's init process. */
    void kill(String id, int signal) throws IOException;

    /** Removes the container from the runtime (killing what is left of it). */
    void delete(String id) throws IOException;

    /** The exit code, once the container's process has ended. */
    OptionalInt exitCode(String id) throws IOException;
}
