package dev.berth.container.logs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ContainerLogsTest {

    @TempDir
    Path dir;

    private static final String LOG = """
            2026-11-22T10:00:01.000000001Z stdout F one
            2026-11-22T10:00:02.000000000Z stderr F two
            2026-11-22T10:00:03.000000000Z stdout P thr
            2026-11-22T10:00:04.000000000Z stdout F ee
            2026-11-22T10:00:05.000000000Z stdout F four
            2026-11-22T10:00:06.000000000Z stdout F
            2026-11-22T10:00:07.000000000Z stdout F unfinished""";

    private static ContainerLogs.Options options(int tail, Instant since, boolean timestamps) {
        return new ContainerLogs.Options(true, true, timestamps, tail, since, null, false);
    }

    private String raw(Path log, ContainerLogs.Options o) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContainerLogs.write(log, o, true, out, () -> false);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void tailCountsWholeLinesFromTheEnd() throws Exception {
        Path log = Files.writeString(dir.resolve("log"), LOG);
        assertEquals("one\ntwo\nthree\nfour\n\n", raw(log, options(-1, null, false)), "the unfinished last line waits");
        assertEquals("four\n\n", raw(log, options(2, null, false)));
        assertEquals("three\nfour\n\n", raw(log, options(3, null, false)), "a partial record belongs to its line");
        assertEquals("", raw(log, options(0, null, false)));
        assertEquals("one\ntwo\nthree\nfour\n\n", raw(log, options(100, null, false)));
        assertEquals("four\n\n", raw(log, options(-1, Instant.parse("2026-11-22T10:00:04Z"), false)));
        assertEquals("2026-11-22T10:00:05Z four\n2026-11-22T10:00:06Z \n", raw(log, options(2, null, true)));
        assertEquals("", raw(dir.resolve("none"), options(-1, null, false)), "no log yet: nothing");
    }

    @Test
    void rotatedFilesAreReadOldestFirstAndTailsReachIntoThem() throws Exception {
        Path log = dir.resolve("log");
        Files.writeString(dir.resolve("log.2"), "2026-11-22T10:00:01Z stdout F a\n2026-11-22T10:00:02Z stdout F b\n");
        Files.writeString(dir.resolve("log.1"), "2026-11-22T10:00:03Z stdout F c\n");
        Files.writeString(log, "2026-11-22T10:00:04Z stdout F d\n2026-11-22T10:00:05Z stdout F e\n");
        assertEquals("a\nb\nc\nd\ne\n", raw(log, options(-1, null, false)));
        assertEquals("d\ne\n", raw(log, options(2, null, false)));
        assertEquals("c\nd\ne\n", raw(log, options(3, null, false)));
        assertEquals("b\nc\nd\ne\n", raw(log, options(4, null, false)), "a tail reaching into the second rotated file");
        assertEquals("a\nb\nc\nd\ne\n", raw(log, options(50, null, false)));
        Files.delete(log);
        assertEquals("b\nc\n", raw(log, options(2, null, false)), "between a rotation and the reopen");
    }

    @Test
    void aFollowGoesOnAcrossARotation() throws Exception {
        Path log = Files.writeString(dir.resolve("log"), "2026-11-22T10:00:01Z stdout F before\n");
        AtomicBoolean running = new AtomicBoolean(true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread follower = Thread.ofPlatform().start(() -> {
            try {
                ContainerLogs.write(log, new ContainerLogs.Options(true, true, false, -1, null, null, true), true, out, running::get);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        Files.move(log, dir.resolve("log.1"));
        Files.writeString(dir.resolve("log.1"), "2026-11-22T10:00:02Z stdout F late-in-old\n", StandardOpenOption.APPEND);
        Files.writeString(log, "2026-11-22T10:00:03Z stdout F after\n");
        Thread.sleep(500);
        running.set(false);
        follower.join(5000);
        assertEquals("before\nlate-in-old\nafter\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void framesCarryTheStreamAndBinaryBytesPassUnchanged() throws Exception {
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80};
        Path log = dir.resolve("log");
        Files.write(log, "2026-11-22T10:00:01Z stderr F ".getBytes(StandardCharsets.US_ASCII));
        Files.write(log, binary, StandardOpenOption.APPEND);
        Files.write(log, "\n".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContainerLogs.write(log, options(-1, null, false), false, out, () -> false);
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 0, 0, 6, (byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80, '\n'}, out.toByteArray());
        out.reset();
        ContainerLogs.write(log, new ContainerLogs.Options(true, false, false, -1, null, null, false), false, out, () -> false);
        assertEquals(0, out.size(), "stderr left out");
    }

    @Test
    void linesLongerThanTheBufferAndFollowingWhatIsAppended() throws Exception {
        String longLine = "x".repeat(200_000);
        Path log = Files.writeString(dir.resolve("log"), "2026-11-22T10:00:01Z stdout F " + longLine + "\n");
        assertEquals(longLine + "\n", raw(log, options(-1, null, false)));
        AtomicBoolean running = new AtomicBoolean(true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread follower = Thread.ofVirtual().start(() -> {
            try {
                ContainerLogs.write(log, new ContainerLogs.Options(true, true, false, 0, null, null, true), true, out, running::get);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        Files.writeString(log, "2026-11-22T10:00:02Z stdout P hal", StandardOpenOption.APPEND);
        Thread.sleep(300);
        Files.writeString(log, "f\n2026-11-22T10:00:03Z stdout F done\n", StandardOpenOption.APPEND);
        Thread.sleep(300);
        running.set(false);
        follower.join(5000);
        assertEquals("halfdone\n", out.toString(StandardCharsets.UTF_8), "a partial record has no newline of its own");
    }
}
