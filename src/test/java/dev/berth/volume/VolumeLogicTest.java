package dev.berth.volume;

import dev.berth.errors.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local driver's rules on names and options, its store across restarts, and the list and prune filters. */
class VolumeLogicTest {

    @TempDir
    Path root;

    private static String refused(VolumeManager m, VolumeCreate c) {
        return assertThrows(EngineException.class, () -> m.create(c)).getMessage();
    }

    @Test
    void namesAndOptionsAreCheckedAsDockerdChecksThem() throws Exception {
        VolumeManager m = new VolumeManager(root);
        assertTrue(refused(m, VolumeCreate.named("a")).contains("too short"));
        assertTrue(refused(m, VolumeCreate.named("../x")).contains("includes invalid characters"));
        assertTrue(refused(m, new VolumeCreate("v1", "", Map.of("o", "size=1m"), Map.of())).contains("missing required option: \"device\""));
        assertTrue(refused(m, new VolumeCreate("v1", "", Map.of("size", "1m"), Map.of())).contains("no quota support"));
        EngineException noDriver = assertThrows(EngineException.class, () -> m.create(new VolumeCreate("v1", "nfs", Map.of(), Map.of())));
        assertEquals(EngineException.Kind.NOT_FOUND, noDriver.kind(), "a driver that is not installed, as dockerd has it");
        assertEquals("create v1: error looking up volume plugin nfs: plugin \"nfs\" not found", noDriver.getMessage());
        assertEquals(List.of(), m.list());
    }

    @Test
    void volumesOutliveTheManagerAndAHalfMadeOneIsDropped() throws Exception {
        VolumeManager m = new VolumeManager(root);
        m.create(new VolumeCreate("kept", "", Map.of(), Map.of("a", "b")));
        Volume anonymous = m.create(new VolumeCreate("", "", Map.of(), Map.of()));
        Files.createDirectories(root.resolve("volumes/half/_data"));     // a crash before its volume.json
        VolumeManager again = new VolumeManager(root);
        assertEquals(2, again.list().size());
        assertEquals("b", again.get("kept").labels().get("a"));
        assertTrue(again.get(anonymous.name()).anonymous());
        assertTrue(Files.notExists(root.resolve("volumes/half")));

        var prune = VolumeFilter.prune(Map.of(), again, false);
        assertEquals(List.of(anonymous.name()), again.list().stream().filter(prune).map(Volume::name).toList());
        var all = VolumeFilter.prune(Map.of("all", List.of("true"), "label!", List.of("a=b")), again, false);
        assertEquals(List.of(anonymous.name()), again.list().stream().filter(all).map(Volume::name).toList());
        var byName = VolumeFilter.of(Map.of("name", List.of("^ke")), again);
        assertEquals(List.of("kept"), again.list().stream().filter(byName).map(Volume::name).toList());
        assertThrows(EngineException.class, () -> VolumeFilter.of(Map.of("dangling", List.of("maybe")), again));
    }
}
