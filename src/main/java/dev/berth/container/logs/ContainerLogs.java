package dev.berth.container.logs;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Reads conmon's k8s-file log ({@code <RFC3339Nano> <stdout|stderr> <F|P> <text>} per line, P marking a
 * partial line) and writes it the way the logs endpoint answers: multiplexed frames, or raw bytes for a TTY.
 */
public final class ContainerLogs {

    /** What the client asked for. {@code tail} < 0: everything. */
    public record Options(boolean stdout, boolean stderr, boolean timestamps, int tail, Instant since, Instant until, boolean follow) {}

    /** Docker's multiplexed stream frame: {@code [stream, 0, 0, 0, length as big-endian uint32]}, then the bytes. */
    public static final int FRAME_HEADER = 8;

    private ContainerLogs() {}

    /** {@code payload} as one frame of {@code stream} (1 stdout, 2 stderr). */
    public static byte[] frame(int stream, byte[] payload) {
        byte[] frame = new byte[FRAME_HEADER + payload.length];
        frameHeader(frame, stream, payload.length);
        System.arraycopy(payload, 0, frame, FRAME_HEADER, payload.length);
        return frame;
    }

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
     * Writes the log, the files rotated out of it first ({@code <log>.N} … {@code <log>.1}, oldest first);
     * with {@code follow}, keeps writing what is appended (across rotations) until {@code running} turns
     * false. Files are streamed, never held whole: a log of any size costs one growing line buffer, follow
     * reads only what was appended, and bytes pass through as they are (binary output included).
     */
    public static void write(Path log, Options o, boolean tty, OutputStream sink, BooleanSupplier running) throws IOException {
        OutputStream out = new BufferedOutputStream(sink, 64 * 1024);
        Emitter emitter = new Emitter(o, tty, out);
        List<Path> files = new ArrayList<>(rotated(log));
        if (Files.exists(log)) {
            files.add(log);
        }
        // where to begin: with a tail, as far back through the rotated files as the lines asked for reach
        int first = 0;
        long firstOffset = 0;
        if (o.tail() >= 0) {
            int wanted = o.tail();
            for (int i = files.size() - 1; i >= 0; i--) {
                Tail t;
                try (FileChannel c = FileChannel.open(files.get(i), StandardOpenOption.READ)) {
                    t = tail(c, wanted);
                }
                first = i;
                firstOffset = t.start();
                wanted -= t.lines();
                if (wanted <= 0 || t.start() > 0) {
                    break;
                }
            }
        }
        FileChannel ch = null;
        Object key = null;
        try {
            long offset = 0;
            for (int i = first; i < files.size(); i++) {
                FileChannel c = FileChannel.open(files.get(i), StandardOpenOption.READ);
                long end = emitter.emit(c, i == first ? firstOffset : 0);
                if (files.get(i).equals(log)) {
                    ch = c;
                    key = fileKey(log);
                    offset = end;
                } else {
                    c.close();
                }
            }
            out.flush();
            while (o.follow()) {
                boolean stillRunning = running.getAsBoolean();   // asked first: what it wrote before it ended is read next
                if (ch == null && Files.exists(log)) {
                    ch = FileChannel.open(log, StandardOpenOption.READ);
                    key = fileKey(log);
                    offset = 0;
                }
                long before = offset;
                if (ch != null) {
                    offset = emitter.emit(ch, offset);
                    if (offset == before && Files.exists(log) && !fileKey(log).equals(key)) {
                        // rotated, and the monitor writes to the new file: the last of the old one, then on
                        emitter.emit(ch, offset);
                        ch.close();
                        ch = FileChannel.open(log, StandardOpenOption.READ);
                        key = fileKey(log);
                        offset = 0;
                        continue;
                    }
                }
                out.flush();    // also how a quiet follow learns that its client has gone: the flush throws
                if (offset == before) {
                    if (!stillRunning) {
                        return;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
    }

    /** The files rotated out of {@code log}, oldest first: {@code <log>.N} … {@code <log>.1}. */
    public static List<Path> rotated(Path log) throws IOException {
        List<Path> out = new ArrayList<>();
        for (int i = 1; Files.exists(rotation(log, i)); i++) {
            out.addFirst(rotation(log, i));
        }
        return out;
    }

    /** The name of the {@code n}th file rotated out of {@code log}. */
    public static Path rotation(Path log, int n) {
        return log.resolveSibling(log.getFileName() + "." + n);
    }

    private static Object fileKey(Path p) throws IOException {
        return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    /** Where a tail of a file starts, and how many whole lines it holds from there (at most the lines asked for). */
    record Tail(long start, int lines) {}

    /**
     * Where the last {@code n} whole lines start, read backwards from the end: a line is its partial (P)
     * records and the full (F) one that ends it. An unfinished last line (no newline yet) is not counted.
     */
    static Tail tail(FileChannel ch, int n) throws IOException {
        long end = completeEnd(ch);
        if (n == 0 || end == 0) {
            return new Tail(end, 0);
        }
        int lines = 0;
        long next = end;                    // the start of the record after the one looked at
        byte[] block = new byte[64 * 1024];
        long blockEnd = end - 1;            // the last newline ends the last record
        while (blockEnd > 0) {
            int size = (int) Math.min(block.length, blockEnd);
            long blockStart = blockEnd - size;
            readFully(ch, block, size, blockStart);
            for (int i = size - 1; i >= 0; i--) {
                if (block[i] == '\n') {
                    long recordStart = blockStart + i + 1;
                    if (endsLine(ch, recordStart) && ++lines > n) {
                        return new Tail(next, n);
                    }
                    next = recordStart;
                }
            }
            blockEnd = blockStart;
        }
        if (endsLine(ch, 0)) {
            lines++;
        }
        return lines > n ? new Tail(next, n) : new Tail(0, lines);
    }

    /** The offset after the file's last newline. */
    private static long completeEnd(FileChannel ch) throws IOException {
        byte[] block = new byte[8192];
        for (long blockEnd = ch.size(); blockEnd > 0; ) {
            int size = (int) Math.min(block.length, blockEnd);
            long blockStart = blockEnd - size;
            readFully(ch, block, size, blockStart);
            for (int i = size - 1; i >= 0; i--) {
                if (block[i] == '\n') {
                    return blockStart + i + 1;
                }
            }
            blockEnd = blockStart;
        }
        return 0;
    }

    /** Whether the record at {@code at} is a full (F) one; a malformed record is not. */
    private static boolean endsLine(FileChannel ch, long at) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(96);
        ch.read(head, at);
        int spaces = 0;
        for (int i = 0; i < head.position() - 1; i++) {
            if (head.get(i) == ' ' && ++spaces == 2) {
                return head.get(i + 1) == 'F';
            }
        }
        return false;
    }

    private static void readFully(FileChannel ch, byte[] into, int length, long at) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into, 0, length);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("the log shrank while it was read");
            }
        }
    }

    /** Turns records into what the client reads, keeping whether the last one written ended its line. */
    private static final class Emitter {
        private final Options o;
        private final boolean tty;
        private final OutputStream out;
        private final byte[] header = new byte[FRAME_HEADER];
        private byte[] buf = new byte[64 * 1024];
        private boolean lineStart = true;

        Emitter(Options o, boolean tty, OutputStream out) {
            this.o = o;
            this.tty = tty;
            this.out = out;
        }

        /** Writes the whole records from {@code from} to the current end; answers the offset after the last. */
        long emit(FileChannel ch, long from) throws IOException {
            long end = ch.size();
            long bufAt = from;      // the file offset of buf[0]
            int len = 0;
            while (bufAt + len < end) {
                if (len == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);     // a line longer than the buffer
                }
                int n = ch.read(ByteBuffer.wrap(buf, len, (int) Math.min(buf.length - len, end - bufAt - len)), bufAt + len);
                if (n <= 0) {
                    break;
                }
                int scanFrom = len;
                len += n;
                int start = 0;
                for (int i = scanFrom; i < len; i++) {
                    if (buf[i] == '\n') {
                        record(start, i);
                        start = i + 1;
                    }
                }
                System.arraycopy(buf, start, buf, 0, len - start);
                bufAt += start;
                len -= start;
            }
            return bufAt;
        }

        /** One record, {@code <time> <stdout|stderr> <F|P> <text>}, in buf[from, to). */
        private void record(int from, int to) throws IOException {
            int s1 = indexOf(' ', from, to);
            int s2 = s1 < 0 ? -1 : indexOf(' ', s1 + 1, to);
            if (s2 < 0 || s2 + 1 >= to) {
                return;
            }
            int stream = s2 - s1 - 1 == 6 && buf[s1 + 1] == 's' && buf[s1 + 4] == 'e' ? 2 : 1;     // "stderr" or "stdout"
            boolean partial = buf[s2 + 1] == 'P';
            int textFrom = Math.min(to, s2 + 3);
            if ((stream == 1 && !o.stdout()) || (stream == 2 && !o.stderr())) {
                return;
            }
            Instant time = null;
            if (o.since() != null || o.until() != null || (o.timestamps() && lineStart)) {
                try {
                    time = OffsetDateTime.parse(new String(buf, from, s1 - from, StandardCharsets.US_ASCII)).toInstant();
                } catch (RuntimeException e) {
                    return;
                }
                if ((o.since() != null && !time.isAfter(o.since())) || (o.until() != null && time.isAfter(o.until()))) {
                    return;
                }
            }
            byte[] prefix = o.timestamps() && lineStart ? (time + " ").getBytes(StandardCharsets.US_ASCII) : EMPTY;
            int length = prefix.length + (to - textFrom) + (partial ? 0 : 1);
            if (!tty) {
                frameHeader(header, stream, length);
                out.write(header);
            }
            out.write(prefix);
            out.write(buf, textFrom, to - textFrom);
            if (!partial) {
                out.write('\n');
            }
            lineStart = !partial;
        }

        private int indexOf(char c, int from, int to) {
            for (int i = from; i < to; i++) {
                if (buf[i] == c) {
                    return i;
                }
            }
            return -1;
        }
    }

    private static final byte[] EMPTY = new byte[0];
}
