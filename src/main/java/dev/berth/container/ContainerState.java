package dev.berth.container;

/**
 * A container's runtime state, as inspect's State shows it (times as RFC 3339, or Go's zero time).
 *
 * @param status          created, running, paused, restarting, exited, removing or dead
 * @param manuallyStopped stopped or killed through the API: restart policies leave it alone (dockerd's
 *                        HasBeenManuallyStopped), until it is started again
 * @param health          the health check's state while it has one, else null
 */
public record ContainerState(String status, long pid, int exitCode, String startedAt, String finishedAt,
                             boolean oomKilled, String error, boolean manuallyStopped, Health health) {

    public static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    public static ContainerState created() {
        return new ContainerState("created", 0, 0, ZERO_TIME, ZERO_TIME, false, "", false, null);
    }

    /** Whether its process is alive: a paused (frozen) container is running too, as Docker counts it. */
    public boolean running() {
        return status.equals("running") || paused();
    }

    public boolean paused() {
        return status.equals("paused");
    }

    /** Waiting out its restart policy's back-off: no process, but not stopped either. */
    public boolean restarting() {
        return status.equals("restarting");
    }

    public ContainerState paused(boolean frozen) {
        return new ContainerState(frozen ? "paused" : "running", pid, exitCode, startedAt, finishedAt, oomKilled, error,
                manuallyStopped, health);
    }

    /** Running; a health check starts over in "starting". FinishedAt stays the last exit's, as dockerd keeps it. */
    public ContainerState started(long pid, String at, boolean healthChecked) {
        return new ContainerState("running", pid, 0, at, finishedAt, false, "", false,
                healthChecked ? Health.STARTING : null);
    }

    public ContainerState exited(int code, String at, boolean oom) {
        return new ContainerState("exited", 0, code, startedAt, at, oom, "", manuallyStopped, health);
    }

    public ContainerState restarting(boolean on) {
        return new ContainerState(on ? "restarting" : "exited", 0, exitCode, startedAt, finishedAt, oomKilled, error,
                manuallyStopped, health);
    }

    public ContainerState stoppedByUser() {
        return new ContainerState(status, pid, exitCode, startedAt, finishedAt, oomKilled, error, true, health);
    }

    public ContainerState withHealth(Health h) {
        return new ContainerState(status, pid, exitCode, startedAt, finishedAt, oomKilled, error, manuallyStopped, h);
    }

    public ContainerState withError(String message) {
        return new ContainerState(status, pid, exitCode, startedAt, finishedAt, oomKilled, message, manuallyStopped, health);
    }

    public ContainerState failed(String message) {
        return new ContainerState(status.equals("running") || restarting() ? "exited" : status,
                0, 128, startedAt, finishedAt, false, message, manuallyStopped, health);
    }
}
