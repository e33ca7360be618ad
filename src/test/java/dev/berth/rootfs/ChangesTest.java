package dev.berth.rootfs;

import dev.berth.host.Posix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** docker diff from an overlay upper dir and from a full copy, against the same image layer. */
class ChangesTest {

    @TempDir
    Path dir;

    private Path layer() throws Exception {
        Path layer = Files.createDirectories(dir.resolve("layer/etc"));
        Files.writeString(layer.resolve("passwd"), "root\n");
        Files.writeString(layer.resolve("group"), "root\n");
        Files.createDirectories(dir.resolve("layer/bin"));
        Files.writeString(dir.resolve("layer/bin/ls"), "ls");
        return dir.resolve("layer");
    }

    private static String text(List<Changes.Change> changes) {
        return String.join(",", changes.stream().map(c -> c.kind() + " " + c.path()).toList());
    }

    @Test
    void anUpperDirsWhiteoutsAreDeletionsAndTheRuntimesMountPointsAreNotChanges() throws Exception {
        Path layer = layer();
        Path upper = Files.createDirectories(dir.resolve("upper/etc"));
        Files.writeString(upper.resolve("passwd"), "root\nuser\n");
        Files.writeString(upper.resolve("hosts"), "");        // a mount point the runtime made
        Files.createDirectories(dir.resolve("upper/bin"));
        Posix.mknod(dir.resolve("upper/bin/ls"), Posix.S_IFCHR, 0, 0, 0);
        Files.createDirectories(dir.resolve("upper/proc"));
        Files.createDirectories(dir.resolve("upper/new/sub"));
        assertEquals("C /bin,D /bin/ls,C /etc,C /etc/passwd,A /new,A /new/sub", text(Changes.ofUpper(dir.resolve("upper"), List.of(layer))));
    }

    @Test
    void aFullCopyIsComparedWithTheImage() throws Exception {
        Path layer = layer();
        Path copy = Files.createDirectories(dir.resolve("copy"));
        new ProcessBuilder("cp", "-a", layer + "/.", copy.toString()).start().waitFor();
        assertEquals("", text(Changes.ofCopy(copy, List.of(layer))));
        Files.writeString(copy.resolve("etc/passwd"), "root\nuser\n");
        Files.delete(copy.resolve("bin/ls"));
        Files.writeString(copy.resolve("new"), "x");
        Files.createDirectories(copy.resolve("proc"));
        assertEquals("C /etc,C /etc/passwd,A /new,D /bin/ls", text(Changes.ofCopy(copy, List.of(layer))));
    }
}
