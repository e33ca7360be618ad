package dev.berth.container;

import dev.berth.container.config.ContainerCreate;
import dev.berth.container.config.ResourceUpdate;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Containers and their transitions as the API reaches them: create, start, stop, kill, pause, rename,
 * update, remove, prune and wait. Blocking: call off the event loop.
 */
public interface ContainerLifecycle {

    /** What a wait asks for ({@code condition=}). */
    enum WaitCondition { NOT_RUNNING, NEXT_EXIT, REMOVED }

    /** A new container and what of its request the host cannot honour fully. */
    record Created(Container container, List<String> warnings) {}

    /** What a prune removed: the containers and the bytes their changes took. */
    record Pruned(List<String> ids, long spaceReclaimed) {}

    /** The container a name, an id or a unique id prefix names; a 404 when none does. */
    Container get(String ref);

    /** Newest first. */
    List<Container> list();

    Created create(ContainerCreate request) throws IOException;

    /**
     * Starts a created or exited container; false when it was running already (304). A start through the
     * API begins its restart policy afresh: RestartCount back to 0, a pending restart happens now.
     */
    boolean start(String ref) throws IOException;

    /**
     * StopSignal, then SIGKILL after the timeout (negative: none, it waits for the exit); false when it was
     * not running (304). The wait lets other transitions in: a {@code kill} ends a stop that waits for ever.
     */
    boolean stop(String ref, Integer timeoutSeconds) throws IOException;

    /** A stop and a start as one transition: nothing else happens to the container in between. */
    void restart(String ref, Integer timeoutSeconds) throws IOException;

    /** Sends a signal; SIGKILL (the default) returns once the container has exited, as with dockerd. */
    void kill(String ref, String signal) throws IOException;

    /** Freezes a running container's processes ({@code docker pause}) or thaws them. */
    void pause(String ref, boolean frozen) throws IOException;

    void rename(String ref, String newName);

    /**
     * {@code docker update}: the fields set (zero or empty ones mean unchanged, as with dockerd) replace the
     * container's, checked as at create, and a running container's cgroup follows at once. Answers the warnings.
     */
    List<String> update(String ref, ResourceUpdate changes) throws IOException;

    /** {@code docker rm}; {@code removeVolumes} ({@code -v}) removes its anonymous volumes too. */
    void remove(String ref, boolean force, boolean removeVolumes) throws IOException;

    /** {@code docker container prune}: removes the stopped (created, exited, dead) containers that {@code which} accepts. */
    Pruned prune(Predicate<Container> which) throws IOException;

    /** Completes with the exit code once the condition holds. */
    CompletableFuture<Integer> waitFor(String ref, WaitCondition condition);
}
