package dev.berth.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.image.FileTrees;
import dev.berth.store.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Containers on disk: {@code containers/<id>/container.json}, each rewritten atomically on every change. */
final class ContainerStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    ContainerStore(Path root) throws IOException {
        this.dir = Files.createDirectories(root.resolve("containers"));
    }

    Path dir(String id) {
        return dir.resolve(id);
    }

    void save(Container c) throws IOException {
        AtomicFiles.write(Files.createDirectories(dir(c.id())).resolve("container.json"), JSON.writeValueAsBytes(c));
    }

    List<Container> loadAll() throws IOException {
        List<Container> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : dirs.toList()) {
                Path f = d.resolve("container.json");
                if (Files.exists(f)) {
                    out.add(JSON.readValue(f.toFile(), Container.class));
                } else {
                    FileTrees.delete(d);    // a create that died before its first save
                }
            }
        }
        return out;
    }

    void delete(String id) throws IOException {
        FileTrees.delete(dir(id));
    }
}
