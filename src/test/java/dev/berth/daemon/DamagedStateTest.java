package dev.berth.daemon;

import dev.berth.host.AtomicFiles;
import dev.berth.host.EngineJson;
import dev.berth.image.ImageStore;
import dev.berth.volume.VolumeManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** State a crash or a bad disk leaves: one damaged file costs what it held, never the start nor the image store's content. */
class DamagedStateTest {

    private static final String HEX = "a".repeat(64);

    @Test
    void aMissingOrDamagedImageIndexCollectsNoBlob(@TempDir Path root) throws Exception {
        Path blob = Files.createDirectories(root.resolve("image/blobs/sha256")).resolve(HEX);
        Files.writeString(blob, "a layer's bytes");
        new ImageStore(root);
        assertTrue(Files.exists(blob), "a start without index.json deleted the blobs");

        Files.writeString(root.resolve("image/index.json"), "{\"images\": {");
        new ImageStore(root);
        assertTrue(Files.exists(blob), "a start with a damaged index.json deleted the blobs");
        try (var files = Files.list(root.resolve("image"))) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("index.json.damaged-")), "the damaged index was not kept aside");
        }
    }

    @Test
    void aDamagedVolumeFileIsSetAsideWithItsDataAndTheOthersLoad(@TempDir Path root) throws Exception {
        VolumeManager volumes = new VolumeManager(root);
        volumes.create(new dev.berth.volume.VolumeCreate("good", "local", java.util.Map.of(), java.util.Map.of()));
        volumes.create(new dev.berth.volume.VolumeCreate("bad", "local", java.util.Map.of(), java.util.Map.of()));
        Path data = root.resolve("volumes/bad/_data/keep");
        Files.writeString(data, "precious");
        Files.writeString(root.resolve("volumes/bad/volume.json"), "not json");
        List<String> names = new VolumeManager(root).list().stream().map(v -> v.name()).toList();
        assertEquals(List.of("good"), names);
        try (var dirs = Files.list(root.resolve("volumes"))) {
            Path aside = dirs.filter(d -> d.getFileName().toString().startsWith("bad.damaged-")).findFirst().orElseThrow();
            assertEquals("precious", Files.readString(aside.resolve("_data/keep")), "the volume's data was not kept");
        }
        assertEquals(List.of("good"), new VolumeManager(root).list().stream().map(v -> v.name()).toList(), "a second start");
    }

    @Test
    void writesGoThroughTemporaryFilesOfTheirOwnAndDamagedFilesReadAsAbsent(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("state.json");
        AtomicFiles.write(f, "{\"a\":1}".getBytes());
        AtomicFiles.write(f, "{\"a\":2}".getBytes());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("state.json"), files.map(p -> p.getFileName().toString()).toList(), "a temporary file was left");
        }
        Files.writeString(f, "{\"a\":");
        Optional<Object> read = AtomicFiles.readOrSetAside(f, p -> EngineJson.MAPPER.readValue(p.toFile(), Object.class));
        assertTrue(read.isEmpty());
        assertTrue(Files.notExists(f));
        assertEquals(Optional.empty(), AtomicFiles.readOrSetAside(f, p -> "never read"));
    }
}
