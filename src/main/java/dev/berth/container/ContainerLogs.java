package dev.berth.container;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Reads conmon's k8s-file log ({@code <RFC3339Nano> <stdout|stderr> <F|P> <text>} per line, P marking a
 * partial line) and writes it the way the logs endpoint answers: multiplexed frames, or raw bytes for a TTY.
 */
public final class ContainerLogs {

    /** What the client asked for. {@code tail} < 0: everything. */
    public record Options(boolean stdout, boolean stderr, boolean timestamps, int tail, Instant since, Instant until, boolean follow) {}

    private record Record(Instant time, String timeText, int stream, boolean partial, String text) {}

    /** Docker's multiplexed stream frame: {@code [stream, 0, 0, 0, length as big-endian uint32]}, then the bytes. */
    public static final int FRAME_HEADER = 8;

    private ContainerLogs() {}

    /** Writes a frame header for {@code length} bytes of {@code stream} (1 stdout, 2 stderr) at the start of {@code into}. */
    public static void frameHeader(byte[] into, int stream, int length) {
        into[0] = (byte) stream;
        into[1] = 0;
        into[2] = 0;
        into[3] = 0;
        into[4] = (byte) (length >>> 24);
        into[5] = (byte) (length >>> 16);
        into[6] = (byte) (length >>> 8);
        into[7] = (byte) length;
    }

    /**
     * Writes the log; with {@code follow}, keeps writing what is appended until {@code running} turns false.
     */
    public static void write(Path log, Options o, boolean tty, OutputStream out, BooleanSupplier running) throws IOException {
        long offset = 0;
        List<Record> records = new ArrayList<>();
        if (Files.exists(log)) {
            byte[] all = Files.readAllBytes(log);
            offset = lastNewline(all);
            parse(new String(all, 0, (int) offset, StandardCharsets.UTF_8), records);
        }
        int from = o.tail() >= 0 ? Math.max(0, countLinesFromEnd(records, o.tail())) : 0;
        emit(records.subList(from, records.size()), o, tty, out);
        out.flush();
        while (o.follow()) {
            boolean stillRunning = running.getAsBoolean();
            if (Files.exists(log) && Files.size(log) > offset) {
                byte[] all = Files.readAllBytes(log);
                long end = lastNewline(all);
                List<Record> more = new ArrayList<>();
                parse(new String(all, (int) offset, (int) (end - offset), StandardCharsets.UTF_8), more);
                offset = end;
                emit(more, o, tty, out);
                out.flush();
            } else if (!stillRunning) {
                return;
            } else {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static long lastNewline(byte[] all) {
        for (int i = all.length - 1; i >= 0; i--) {
            if (all[i] == '\n') {
                return i + 1;
            }
        }
        return 0;
    }

    private static void parse(String text, List<Record> out) {
        for (String line : text.split("\n")) {
            String[] f = line.split(" ", 4);
            if (f.length < 3) {
                continue;
            }
            Instant t;
            try {
                t = OffsetDateTime.parse(f[0]).toInstant();
            } catch (RuntimeException e) {
                continue;
            }
            out.add(new Record(t, f[0], f[1].equals("stderr") ? 2 : 1, f[2].equals("P"), f.length > 3 ? f[3] : ""));
        }
    }

    /** Where the last {@code n} whole lines start (partial records belong to the line they end in). */
    private static int countLinesFromEnd(List<Record> records, int n) {
        int lines = 0;
        for (int i = records.size() - 1; i >= 0; i--) {
            if (!records.get(i).partial()) {
                lines++;
                if (lines > n) {
                    return i + 1;
                }
            }
        }
        return 0;
    }

    private static void emit(List<Record> records, Options o, boolean tty, OutputStream out) throws IOException {
        boolean lineStart = true;
        for (Record r : records) {
            if ((r.stream() == 1 && !o.stdout()) || (r.stream() == 2 && !o.stderr())
                    || (o.since() != null && !r.time().isAfter(o.since())) || (o.until() != null && r.time().isAfter(o.until()))) {
                continue;
            }
            StringBuilder sb = new StringBuilder();
            if (o.timestamps() && lineStart) {
                sb.append(r.time()).append(' ');
            }
            sb.append(r.text());
            if (!r.partial()) {
                sb.append('\n');
            }
            lineStart = !r.partial();
            byte[] payload = sb.toString().getBytes(StandardCharsets.UTF_8);
            if (!tty) {
                byte[] header = new byte[FRAME_HEADER];
                frameHeader(header, r.stream(), payload.length);
                out.write(header);
            }
            out.write(payload);
        }
    }
}
