package dev.berth.container.exec;

import dev.berth.container.DetachKeys;
import dev.berth.container.ExecIds;
import dev.berth.runtime.AttachSocket;

import java.io.IOException;
import java.util.List;

/** Exec sessions as the API sees them ({@code docker exec}). Blocking: call off the event loop. */
public interface Execs extends ExecIds {

    /** What {@code POST /containers/{id}/exec} asked for. */
    record Config(List<String> cmd, List<String> env, String user, String workingDir, boolean tty,
                         boolean attachStdin, boolean attachStdout, boolean attachStderr, boolean privileged,
                         DetachKeys detachKeys, int[] consoleSize) {}

    /** A session and what is known of its process. */
    record Session(String id, String containerId, Config config, boolean started, boolean running, long pid,
                          Integer exitCode) {
        Session with(boolean started, boolean running, long pid, Integer exitCode) {
            return new Session(id, containerId, config, started, running, pid, exitCode);
        }
    }

    /** A new session in a running, unpaused container; nothing runs until {@link #start}. */
    Session create(String containerRef, Config config);

    /** The session as it stands; a session whose process ended meanwhile gets its exit code. */
    Session get(String id) throws IOException;

    /** The container's sessions that have not ended (as dockerd's ExecIDs; ended ones stay inspectable). */
    @Override
    List<String> idsOf(String containerId) throws IOException;

    /**
     * Runs the session's process. With {@code attach} the process waits until the attach socket is
     * connected (so no output is lost), and the connected socket is returned; without, null.
     */
    AttachSocket start(String id, boolean attach) throws IOException;

    /** Waits (briefly: the process has ended, its monitor is writing the file) until the exit is recorded. */
    void awaitExit(String id) throws IOException;

    /** Resizes a running session's terminal (one still starting gets the size once it runs). */
    void resize(String id, int height, int width) throws IOException;
}
