package dev.berth.container;

import dev.berth.container.logs.ContainerLogs;
import dev.berth.image.ImageStore;
import dev.berth.runtime.OciRuntime;
import dev.berth.network.ContainerNetworks;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.volume.ContainerVolumes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * What goes when a container's process has ended (its runtime state, sandbox, root filesystem mount and
 * volume holds) and when the container is removed (its changes, log, anonymous volumes, record).
 * Callers hold the container's transition lock.
 */
final class ContainerTeardown {

    private static final Logger LOG = Logger.getLogger(ContainerTeardown.class.getName());

    private final ContainerIndex index;
    private final TransitionLocks transitions;
    private final RestartManager restarts;
    private final Waiters waiters;
    private final ContainerEvents events;
    private final ImageStore images;
    private final RootfsDriver rootfs;
    private final OciRuntime runtime;
    private final ContainerNetworks networks;
    private final ContainerVolumes volumes;

    ContainerTeardown(ContainerIndex index, TransitionLocks transitions, RestartManager restarts, Waiters waiters,
                      ContainerEvents events, ImageStore images, RootfsDriver rootfs, OciRuntime runtime,
                      ContainerNetworks networks, ContainerVolumes volumes) {
        this.index = index;
        this.transitions = transitions;
        this.restarts = restarts;
        this.waiters = waiters;
        this.events = events;
        this.images = images;
        this.rootfs = rootfs;
        this.runtime = runtime;
        this.networks = networks;
        this.volumes = volumes;
    }

    /** Undoes what a run held on the host; each part is tried whatever the others do. */
    void afterRun(String id) {
        try {
            runtime.delete(id);
        } catch (IOException e) {
            LOG.fine("runtime delete " + id + ": " + e.getMessage());
        }
        networks.down(id);
        try {
            rootfs.unmount(id);
        } catch (IOException e) {
            LOG.warning("unmount " + id + ": " + e.getMessage());
        }
        Container c = index.find(id);
        if (c != null) {
            c.volumeNames().forEach(volumes::release);
        }
    }

    /**
     * Removes a container that has no process, with its anonymous volumes when told or when it was to be
     * removed on exit ({@code --rm}, as dockerd).
     */
    void remove(String id, boolean removeVolumes) throws IOException {
        restarts.cancel(id);
        restarts.reset(id);
        if (Files.exists(runtime.paths(id).bundle())) {
            afterRun(id);     // else the exit's cleanup has run: a second runc delete costs a run --rm ~10 ms
        }
        rootfs.remove(id);
        Container c = index.remove(id);
        if (c == null) {
            return;
        }
        images.released(c.imageId());
        if (removeVolumes || c.autoRemove()) {
            c.anonymousVolumes().values().forEach(volumes::removeAnonymous);
        }
        waiters.removed(id, c.state().exitCode());
        for (Path log : ContainerLogs.rotated(runtime.paths(id).log())) {
            Files.delete(log);
        }
        Files.deleteIfExists(runtime.paths(id).log());
        transitions.forget(id);
        events.fire(c, id, "destroy", java.util.Map.of());
    }
}
