package dev.berth.files;

import dev.berth.errors.EngineException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The archive side of docker cp on plain directories: stat modes, names, mount crossing, and what extraction refuses. */
class FilesLogicTest {

    @TempDir
    Path dir;

    @Test
    void goModesCarryTheTypeAndSpecialBitsWhereGoHasThem() {
        assertEquals((1L << 31) | 0755, PathStat.goMode(0040755));
        assertEquals((1L << 27) | 0777, PathStat.goMode(0120777));
        assertEquals((1L << 23) | 0755, PathStat.goMode(0104755), "setuid");
        assertEquals((1L << 31) | (1L << 20) | 0777, PathStat.goMode(0041777), "a sticky directory");
        assertEquals((1L << 26) | (1L << 21) | 0666, PathStat.goMode(0020666), "a character device");
        assertEquals("etc", ContainerFiles.baseName("/etc/"));
        assertEquals("etc", ContainerFiles.baseName("/etc/."));
        assertEquals("/", ContainerFiles.baseName("/"));
    }

    private ContainerView view(Path root, Map<String, Path> mounts) {
        return new ContainerView("box", root, mounts, Set.of());
    }

    private static byte[] tar(String... namesAndContents) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(buf)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                String name = namesAndContents[i];
                if (name.contains(" -> ")) {
                    TarArchiveEntry e = new TarArchiveEntry(name.split(" -> ")[0], TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName(name.split(" -> ")[1]);
                    t.putArchiveEntry(e);
                } else {
                    byte[] data = namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
                    TarArchiveEntry e = new TarArchiveEntry(name);
                    e.setSize(data.length);
                    t.putArchiveEntry(e);
                    t.write(data);
                }
                t.closeArchiveEntry();
            }
        }
        return buf.toByteArray();
    }

    @Test
    void extractionResolvesLinksInsideTheRootAndRefusesEntriesThatClimbOut() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(root.resolve("up"), Path.of("/"));
        Files.createSymbolicLink(root.resolve("host"), outside);
        ContainerFiles.extract(view(root, Map.of()), "/", new ByteArrayInputStream(tar("up/a", "1", "host/b", "2", "rel -> ../../..", "",
                "rel/c", "3")), false, null);
        assertEquals("1", Files.readString(root.resolve("a")));
        assertEquals("2", Files.readString(root.resolve(outside.toString().substring(1)).resolve("b")));
        assertEquals("3", Files.readString(root.resolve("c")));
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing outside the root");
        }
        for (String bad : List.of("../x", "a/../../x")) {
            EngineException e = assertThrows(EngineException.class,
                    () -> ContainerFiles.extract(view(root, Map.of()), "/", new ByteArrayInputStream(tar(bad, "x")), false, null));
            assertTrue(e.getMessage().contains("outside the destination"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void archivesCrossIntoMountsAsTheContainerSeesThem() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root/data"));
        Files.writeString(root.resolve("under-the-mount"), "hidden");
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Files.writeString(volume.resolve("v"), "in the volume");
        Files.createSymbolicLink(dir.resolve("root/link"), Path.of("/data"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContainerFiles.archive(view(dir.resolve("root"), Map.of("/data", volume)), "/link/.", stat -> out);
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
            }
        }
        assertEquals(List.of("./", "./v"), names);
        assertEquals("link", ContainerFiles.stat(view(dir.resolve("root"), Map.of("/data", volume)), "/link").name());
        assertThrows(EngineException.class, () -> ContainerFiles.stat(view(dir.resolve("root"), Map.of()), "/nope/x"));
    }
}
