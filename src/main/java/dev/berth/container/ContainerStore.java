package dev.berth.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.host.AtomicFiles;
import dev.berth.host.EngineJson;
import dev.berth.host.FileTrees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Containers on disk: {@code containers/<id>/container.json}, each rewritten atomically on every change. */
final class ContainerStore {

    private static final ObjectMapper JSON = EngineJson.MAPPER;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ContainerStore.class.getName());

    private final Path dir;

    ContainerStore(Path root) throws IOException {
        this.dir = Files.createDirectories(root.resolve("containers"));
    }

    Path dir(String id) {
        return dir.resolve(id);
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Object> saving = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Writes the container as {@code latest} has it when the write begins (none: it was removed, and its
     * files go). Writes of one container happen one at a time and each takes the newest state, so a
     * slow disk reorders nothing, and callers hold no engine lock across the fsync.
     */
    void save(String id, java.util.function.Supplier<Container> latest) throws IOException {
        synchronized (saving.computeIfAbsent(id, k -> new Object())) {
            Container c = latest.get();
            if (c == null) {
                FileTrees.delete(dir(id));
                saving.remove(id);
                return;
            }
            AtomicFiles.write(Files.createDirectories(dir(id)).resolve("container.json"), JSON.writeValueAsBytes(c));
        }
    }

    List<Container> loadAll() throws IOException {
        List<Container> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : dirs.toList()) {
                Path f = d.resolve("container.json");
                if (Files.exists(f)) {
                    try {
                        out.add(JSON.readValue(f.toFile(), Container.class));
                    } catch (IOException | RuntimeException damaged) {
                        // only this container is lost: kept aside for a person to look at, the daemon starts
                        Path aside = dir.resolveSibling("containers-damaged").resolve(d.getFileName());
                        Files.createDirectories(aside.getParent());
                        Files.move(d, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        LOG.severe("container " + d.getFileName() + " has a damaged container.json (" + damaged.getMessage()
                                + "); moved to " + aside);
                    }
                } else {
                    FileTrees.delete(d);    // a create that died before its first save
                }
            }
        }
        return out;
    }

}
