package dev.berth.container;

import dev.berth.network.Sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code docker inspect} and {@code docker ps} show of containers beside their records: their files,
 * exec sessions, sandboxes, links and sizes, read together. Blocking: call off the event loop.
 */
public interface ContainerViews {

    /** Where a container's output log and its own files (hostname, hosts, resolv.conf) are, as inspect shows them. */
    record ContainerPaths(Path log, Path dir) {}

    /** What a container's files take: its own changes ({@code SizeRw}) and those with its image's ({@code SizeRootFs}). */
    record Sizes(long rw, long rootFs) {}

    /** One container as inspect shows it; {@code sizes} only when asked for, else null. */
    record Details(Container container, ContainerPaths paths, List<String> execIds, Optional<Sandbox> sandbox,
                   List<String> links, Sizes sizes) {}

    /** One container as a list shows it: the names its links give it; {@code sizes} only when asked for, else null. */
    record Listed(Container container, Optional<Sandbox> sandbox, List<String> linkNames, Sizes sizes) {}

    /** What {@code GET /containers/json} asks for: all or running ones, at most {@code limit} (none when not positive). */
    record Query(boolean all, int limit, boolean sizes, Map<String, List<String>> filters) {}

    Details inspect(String ref, boolean sizes) throws IOException;

    /** Newest first, as {@code docker ps} lists them. */
    List<Listed> list(Query query) throws IOException;

    /** The id of the network a network mode names (as inspect shows {@code NetworkSettings.Networks}). */
    String networkId(String ref);

    /** The directory a volume's files are in, as inspect shows a volume mount's Source. */
    Path volumeDir(String name);
}
