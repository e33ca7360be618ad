package dev.berth.container;

/**
 * A container's runtime state, as inspect's State shows it (times as RFC 3339, or Go's zero time).
 *
 * @param status created, running, paused, exited, removing or dead
 */
public record ContainerState(String status, long pid, int exitCode, String startedAt, String finishedAt,
                             boolean oomKilled, String error) {

    public static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    public static ContainerState created() {
        return new ContainerState("created", 0, 0, ZERO_TIME, ZERO_TIME, false, "");
    }

    /** Whether its process is alive: a paused (frozen) container is running too, as Docker counts it. */
    public boolean running() {
        return status.equals("running") || paused();
    }

    public boolean paused() {
        return status.equals("paused");
    }

    public ContainerState paused(boolean frozen) {
        return new ContainerState(frozen ? "paused" : "running", pid, exitCode, startedAt, finishedAt, oomKilled, error);
    }

    public ContainerState started(long pid, String at) {
        return new ContainerState("running", pid, 0, at, ZERO_TIME, false, "");
    }

    public ContainerState exited(int code, String at, boolean oom) {
        return new ContainerState("exited", 0, code, startedAt, at, oom, "");
    }

    public ContainerState failed(String message) {
        return new ContainerState(status.equals("running") ? "exited" : status, 0, 128, startedAt, finishedAt, false, message);
    }
}
