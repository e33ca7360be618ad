package dev.berth.runtime;

import dev.berth.host.Posix;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A connection to conmon's attach socket ({@code SOCK_SEQPACKET}): each packet read is one stream byte
 * (2 stdout, 3 stderr) and up to 8192 bytes of output; bytes written go to the container's stdin, and
 * a write-side shutdown closes its stdin (unless conmon was told to leave it open).
 *
 * <p>Reads block a platform thread (a native call would pin a virtual one). The descriptor is closed only
 * once no call is using it: a closed number is soon reused by another socket, and a late write or
 * shutdown on it would hit a stranger's connection. {@link #close} first shuts the socket down, which
 * wakes a blocked reader.
 */
public final class AttachSocket implements Closeable {

    public static final int STDOUT = 2;
    public static final int STDERR = 3;
    /** conmon's STDIO_BUF_SIZE: the largest payload of one packet either way. */
    private static final int PAYLOAD = 8192;

    /**
     * One packet of output: {@code length} bytes at {@code offset} of {@code bytes}. The bytes before
     * {@code offset} are free, so a caller can put a frame header there without another copy.
     */
    public record Packet(int stream, byte[] bytes, int offset, int length) {}

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment in = arena.allocate(PAYLOAD + 1);
    private final MemorySegment out = arena.allocate(PAYLOAD);
    private int users;          // calls in progress, guarded by this
    private boolean closed;     // guarded by this

    private AttachSocket(int fd) {
        this.fd = fd;
    }

    public static AttachSocket connect(Path socket) throws IOException {
        return new AttachSocket(Posix.connectSeqpacket(socket));
    }

    /**
     * The next packet, with {@code headroom} free bytes before its payload; null at the end (the process
     * ended and conmon hung up, or the socket was closed).
     */
    public Packet read(int headroom) throws IOException {
        if (!enter()) {
            return null;
        }
        try {
            int n = Posix.read(fd, in, PAYLOAD + 1);
            if (n <= 0) {
                return null;
            }
            byte[] bytes = new byte[headroom + n - 1];
            MemorySegment.copy(in, ValueLayout.JAVA_BYTE, 1, bytes, headroom, n - 1);
            return new Packet(in.get(ValueLayout.JAVA_BYTE, 0), bytes, headroom, n - 1);
        } finally {
            leave();
        }
    }

    /** Writes to the container's stdin; blocks while conmon's buffer is full. */
    public void writeStdin(byte[] data, int off, int len) throws IOException {
        if (!enter()) {
            throw new IOException("the attach socket is closed");
        }
        try {
            // Only this session's stdin writer thread writes: the one output buffer is not shared.
            for (int at = off; at < off + len; at += PAYLOAD) {
                int n = Math.min(PAYLOAD, off + len - at);
                MemorySegment.copy(data, at, out, ValueLayout.JAVA_BYTE, 0, n);
                Posix.write(fd, out, n);
            }
        } finally {
            leave();
        }
    }

    public void closeStdin() throws IOException {
        if (!enter()) {
            return;
        }
        try {
            Posix.shutdown(fd, Posix.SHUT_WR);
        } finally {
            leave();
        }
    }

    private synchronized boolean enter() {
        if (closed) {
            return false;
        }
        users++;
        return true;
    }

    private synchronized void leave() {
        if (--users == 0 && closed) {
            release();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (users > 0) {
            try {
                Posix.shutdown(fd, Posix.SHUT_RDWR);    // wakes a blocked read; the last call out closes
            } catch (IOException e) {
                // already disconnected: the blocked call returns by itself
            }
        } else {
            release();
        }
    }

    private void release() {
        Posix.close(fd);
        arena.close();
    }
}
