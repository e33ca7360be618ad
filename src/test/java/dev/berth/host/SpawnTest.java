package dev.berth.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * posix_spawn through FFM: the child gets the given pipe ends as fds 3 and 4, exactly the given environment,
 * stdin empty, stdout and stderr in the file, and no other descriptor of ours; its exit status comes back.
 */
class SpawnTest {

    @Test
    void childGetsItsPipesEnvironmentAndNothingElse(@TempDir Path dir) throws Exception {
        int[] toChild = Spawn.pipe();
        int[] fromChild = Spawn.pipe();
        Path out = dir.resolve("out");
        int pid = Spawn.spawn(List.of("/bin/sh", "-c",
                        "read line <&3; echo \"got $line, $ONLY\" >&4; ls /proc/self/fd; echo err >&2; cat; exit 7"),
                Map.of("ONLY", "this", "PATH", "/usr/bin:/bin"), List.of(toChild[0], fromChild[1]), out);
        Posix.close(toChild[0]);
        Posix.close(fromChild[1]);
        try (OutputStream w = Files.newOutputStream(Posix.fdPath(toChild[1]));
             InputStream r = Files.newInputStream(Posix.fdPath(fromChild[0]))) {
            Posix.close(toChild[1]);
            Posix.close(fromChild[0]);
            w.write("hello\n".getBytes(StandardCharsets.UTF_8));
            w.close();
            assertEquals("got hello, this\n", new String(r.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(OptionalInt.of(7), Spawn.await(pid, 10_000));
        // ls lists 0-4 and the directory it reads (its own fd 5 or so): nothing of the JVM's
        List<String> lines = Files.readAllLines(out);
        assertEquals("err", lines.getLast());
        List<String> fds = lines.subList(0, lines.size() - 1);
        assertTrue(fds.size() <= 6 && fds.containsAll(List.of("0", "1", "2", "3", "4")), "fds: " + fds);
    }

    @Test
    void signalledChildAndBadProgram(@TempDir Path dir) throws Exception {
        int pid = Spawn.spawn(List.of("/bin/sh", "-c", "kill -9 $$"), Map.of(), List.of(), dir.resolve("out"));
        assertEquals(OptionalInt.of(128 + 9), Spawn.await(pid, 10_000));
        int sleeper = Spawn.spawn(List.of("/bin/sleep", "5"), Map.of(), List.of(), dir.resolve("out"));
        assertEquals(OptionalInt.empty(), Spawn.await(sleeper, 50), "still running");
        ProcessHandle.of(sleeper).orElseThrow().destroyForcibly();
        assertEquals(OptionalInt.of(128 + 9), Spawn.await(sleeper, 10_000));
        // glibc's posix_spawn reports a failed exec as a spawn error or as exit 127
        try {
            int missing = Spawn.spawn(List.of("/nonexistent/program"), Map.of(), List.of(), dir.resolve("out"));
            assertEquals(OptionalInt.of(127), Spawn.await(missing, 10_000));
        } catch (java.io.IOException e) {
            assertTrue(e.getMessage().contains("/nonexistent/program"), e.getMessage());
        }
        assertThrows(java.io.IOException.class, () -> Spawn.reap(pid), "reaped once only");
    }
}
