package dev.berth.container;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The container side of the daemon, one part per concern: the lifecycle, networking, file access and
 * commit, streams (attach, top, stats) and events; inspect also names the exec sessions kept beside them.
 */
public record Containers(ContainerEngine lifecycle, ContainerNetworking networking, ContainerContent content,
                         ContainerStreams streams, ContainerEvents events, ExecIds execs)
        implements ContainerViews, AutoCloseable {

    /** The parts of an opened engine; {@code execs} names each container's open exec sessions. */
    public static Containers of(ContainerEngine engine, ExecIds execs) {
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
