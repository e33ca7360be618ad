package dev.berth.monitor;

import dev.berth.system.Posix;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A connection to conmon's attach socket ({@code SOCK_SEQPACKET}): each packet read is one stream byte
 * (2 stdout, 3 stderr) and up to 8192 bytes of output; bytes written go to the container's stdin, and
 * a write-side shutdown closes its stdin. Reads block a platform thread (a native call would pin a
 * virtual one), so each attached session has a reader thread of its own.
 */
public final class AttachSocket implements Closeable {

    public static final int STDOUT = 2;
    public static final int STDERR = 3;

    /** One packet of output. */
    public record Output(int stream, byte[] data) {}

    private final int fd;
    private final byte[] buf = new byte[8193];
    private volatile boolean closed;

    private AttachSocket(int fd) {
        this.fd = fd;
    }

    public static AttachSocket connect(Path socket) throws IOException {
        return new AttachSocket(Posix.connectSeqpacket(socket));
    }

    /** The next packet, or null at the end (the container's process has ended and conmon hung up). */
    public Output read() throws IOException {
        int n = Posix.read(fd, buf);
        if (n <= 0) {
            return null;
        }
        return new Output(buf[0], Arrays.copyOfRange(buf, 1, n));
    }

    public void writeStdin(byte[] data, int off, int len) throws IOException {
        for (int at = off; at < off + len; at += 8192) {
            Posix.write(fd, data, at, Math.min(8192, off + len - at));
        }
    }

    public void closeStdin() throws IOException {
        Posix.shutdownWrite(fd);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Posix.close(fd);
        }
    }
}
