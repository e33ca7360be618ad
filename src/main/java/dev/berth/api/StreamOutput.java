package dev.berth.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.Semaphore;

/**
 * A blocking stream into a Vert.x write stream (a chunked response, a hijacked connection), for a
 * thread off the event loop. Writes do not wait for the event loop: they wait only while more than
 * {@link #BUDGET} bytes are written but not yet handed to the kernel, so a slow client slows the writer
 * without a round trip per chunk and without growing the heap.
 */
public final class StreamOutput extends OutputStream {

    static final int BUDGET = 1 << 20;

    private final WriteStream<Buffer> sink;
    private final Semaphore room = new Semaphore(BUDGET);
    private volatile IOException failure;

    public StreamOutput(WriteStream<Buffer> sink) {
        this.sink = sink;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        send(Buffer.buffer(len).appendBytes(b, off, len));
    }

    /** Writes a buffer the caller no longer touches (no copy). */
    public void send(Buffer chunk) throws IOException {
        int cost = Math.min(chunk.length(), BUDGET);
        try {
            room.acquire(cost);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
        if (failure != null) {
            room.release(cost);
            throw gone();
        }
        sink.write(chunk).onComplete(ar -> {
            if (ar.failed()) {
                fail(new IOException("write failed", ar.cause()));
            }
            room.release(cost);
        });
    }

    /**
     * Throws once the client has gone: a writer that has nothing to write (a follow on a quiet log) calls
     * this now and then to notice, instead of holding its thread and file until the container ends.
     */
    @Override
    public void flush() throws IOException {
        if (failure != null) {
            throw gone();
        }
    }

    /** A new exception each time: try-with-resources adds the one close throws to the first as suppressed. */
    private IOException gone() {
        return new ClientGoneException(failure);
    }

    /** Ends the stream for the writer: its next write (or the one waiting now) throws. */
    public void fail(IOException cause) {
        if (failure == null) {
            failure = cause;
        }
        room.release(BUDGET);   // wakes a waiting writer
    }
}
