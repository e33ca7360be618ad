package dev.berth.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.image.FileTrees;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

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
        Path d = Files.createDirectories(dir(c.id()));
        Path tmp = d.resolve("container.json.tmp");
        Files.write(tmp, JSON.writeValueAsBytes(c));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, d.resolve("container.json"), ATOMIC_MOVE);
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
