package dev.berth.container;

import dev.berth.container.spec.MountOptions;
import dev.berth.errors.EngineException;
import dev.berth.files.ContainerView;
import dev.berth.image.ImageStore;
import dev.berth.runtime.OciRuntime;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.volume.ContainerVolumes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Opens a container's files for {@code docker cp} and {@code export}: a running container's are read where they
 * are mounted, without holding anything (a stop meanwhile ends the copy with an error; a slow reader holds off
 * nothing); otherwise its transitions are held off meanwhile and its root filesystem is mounted for the while, its binds, volumes and own files
 * (hostname, hosts, resolv.conf) where the container sees them. Writing into a running container freezes
 * it meanwhile, as dockerd pauses it, so it cannot swap a symlink under the copy.
 */
final class FileAccess {

    /** Work on the files of a container. */
    interface Work<T> {
        T run(ContainerView view) throws IOException;
    }

    private final ContainerIndex index;
    private final TransitionLocks transitions;
    private final RootfsDriver rootfs;
    private final ImageStore images;
    private final ContainerVolumes volumes;
    private final OciRuntime runtime;

    FileAccess(ContainerIndex index, TransitionLocks transitions, RootfsDriver rootfs, ImageStore images,
               ContainerVolumes volumes, OciRuntime runtime) {
        this.index = index;
        this.transitions = transitions;
        this.rootfs = rootfs;
        this.images = images;
        this.volumes = volumes;
        this.runtime = runtime;
    }

    <T> T with(String ref, boolean writing, Work<T> work) throws IOException {
        Container c = index.get(ref);
        if (!writing && c.state().running()) {
            java.util.Optional<Path> root = rootfs.mounted(c.id());
            if (root.isPresent()) {
                return work.run(view(c, root.get(), false));
            }
        }
        return transitions.with(c.id(), () -> {
            Container now = index.find(c.id());
            if (now == null) {
                throw EngineException.notFound("No such container: " + ref);
            }
            if (now.state().running()) {
                boolean freeze = writing && !now.state().paused();
                if (freeze) {
                    runtime.freeze(now.id(), true);
                }
                try {
                    return work.run(view(now, root(now), true));
                } finally {
                    if (freeze) {
                        runtime.freeze(now.id(), false);
                    }
                }
            }
            Path root = root(now);
            try {
                return work.run(view(now, root, true));
            } finally {
                rootfs.unmount(now.id());
                now.volumeNames().forEach(volumes::release);
            }
        });
    }

    /** Its root filesystem: mounted already while it runs, else mounted now. */
    private Path root(Container c) throws IOException {
        return rootfs.mount(c.id(), images.containerLayers(c.imageId()));
    }

    /** @param prepare whether volumes with mounts of their own are mounted for the while (a running container's are) */
    private ContainerView view(Container c, Path root, boolean prepare) throws IOException {
        Map<String, Path> mounts = new LinkedHashMap<>();
        Path own = index.dir(c.id());
        for (String f : List.of("hostname", "hosts", "resolv.conf")) {
            if (Files.exists(own.resolve(f))) {
                mounts.put("/etc/" + f, own.resolve(f));
            }
        }
        Set<String> readOnly = new HashSet<>();
        if (c.hostConfig().readonlyRootfs()) {
            readOnly.add("/");
        }
        for (MountOptions.Mount m : c.mounts()) {
            if (m.type().equals("tmpfs")) {
                mounts.remove(m.target());      // in the container's memory only: not reachable from here
                continue;
            }
            mounts.put(m.target(), !m.isVolume() ? Path.of(m.source()) : prepare ? volumes.mount(m.source(), null) : volumes.dir(m.source()));
            if (m.readOnly()) {
                readOnly.add(m.target());
            }
        }
        return new ContainerView(c.name(), root, mounts, readOnly);
    }
}
