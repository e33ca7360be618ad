package dev.berth.container;

import dev.berth.events.EventSink;
import dev.berth.image.ImageStore;
import dev.berth.runtime.OciRuntime;
import dev.berth.network.ContainerNetworks;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.volume.ContainerVolumes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The container side of the daemon, one part per concern: the lifecycle, networking, file access and
 * commit, streams (attach, top, stats), events, and exec sessions with the health probes that run on them.
 */
public record Containers(ContainerEngine lifecycle, ContainerNetworking networking, ContainerContent content,
                         ContainerStreams streams, ContainerEvents events, Execs execs)
        implements ContainerViews, AutoCloseable {

    /** Opens the containers under {@code root} and reconciles them with what ran on while the daemon was away. */
    public static Containers open(Path root, ImageStore images, RootfsDriver rootfs, OciRuntime runtime, Path exitDir,
                                  long nofileHardLimit, ContainerNetworks networks, ContainerVolumes volumes, EventSink sink)
            throws IOException {
        ContainerEngine engine = new ContainerEngine(root, images, rootfs, runtime, exitDir, nofileHardLimit, networks, volumes, sink);
        ExecSessions execs = new ExecSessions(engine, runtime);
        new HealthMonitor(engine, execs);     // lives on through the engine's listeners
        return new Containers(engine, engine.networking(), engine.content(), engine.streams(), engine.events(), execs);
    }

    @Override
    public Details inspect(String ref, boolean sizes) throws IOException {
        Container c = lifecycle.get(ref);
        return new Details(c, lifecycle.paths(c.id()), execs.idsOf(c.id()), networking.sandbox(c.id()), networking.shownLinks(c),
                sizes ? content.sizes(c) : null);
    }

    @Override
    public List<Listed> list(Query query) throws IOException {
        Map<String, List<String>> linkNames = networking.linkNames();
        Predicate<Container> filter = ContainerFilter.of(query.filters(), lifecycle);
        int max = query.limit() > 0 ? query.limit() : Integer.MAX_VALUE;
        boolean everyState = query.all() || query.limit() > 0 || query.filters().containsKey("status");    // else the live ones
        List<Listed> out = new ArrayList<>();
        for (Container c : lifecycle.list()) {
            if ((everyState || c.state().running() || c.state().restarting()) && filter.test(c)) {
                out.add(new Listed(c, networking.sandbox(c.id()), linkNames.getOrDefault(c.id(), List.of()),
                        query.sizes() ? content.sizes(c) : null));
                if (out.size() == max) {
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public String networkId(String ref) {
        return networking.networkId(ref);
    }

    @Override
    public Path volumeDir(String name) {
        return content.volumeDir(name);
    }

    @Override
    public void close() throws IOException {
        lifecycle.close();
    }
}
