package dev.berth.container;

import dev.berth.events.EventSink;
import dev.berth.image.ImageStore;
import dev.berth.monitor.OciRuntime;
import dev.berth.network.ContainerNetworks;
import dev.berth.network.Sandbox;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.volume.ContainerVolumes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The container side of the daemon, one part per concern: the lifecycle, networking, file access and
 * commit, streams (attach, top, stats), events, and exec sessions with the health probes that run on them.
 */
public record Containers(ContainerEngine lifecycle, ContainerNetworking networking, ContainerContent content,
                         ContainerStreams streams, ContainerEvents events, Execs execs) implements AutoCloseable {

    /** Opens the containers under {@code root} and reconciles them with what ran on while the daemon was away. */
    public static Containers open(Path root, ImageStore images, RootfsDriver rootfs, OciRuntime runtime, Path exitDir,
                                  long nofileHardLimit, ContainerNetworks networks, ContainerVolumes volumes, EventSink sink)
            throws IOException {
        ContainerEngine engine = new ContainerEngine(root, images, rootfs, runtime, exitDir, nofileHardLimit, networks, volumes, sink);
        ExecSessions execs = new ExecSessions(engine, runtime);
        new HealthMonitor(engine, execs);     // lives on through the engine's listeners
        return new Containers(engine, engine.networking(), engine.content(), engine.streams(), engine.events(), execs);
    }

    /** What inspect shows of a container beside its record: its files, its exec sessions, its sandbox, its links; read together. */
    public record Details(Container container, ContainerEngine.ContainerPaths paths, List<String> execIds, Optional<Sandbox> sandbox,
                          List<String> links) {}

    public Details details(String ref) throws IOException {
        Container c = lifecycle.get(ref);
        return new Details(c, lifecycle.paths(c.id()), execs.idsOf(c.id()), networking.sandbox(c.id()), networking.shownLinks(c));
    }

    @Override
    public void close() throws IOException {
        lifecycle.close();
    }
}
