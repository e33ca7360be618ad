package dev.berth.host;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Streams that may come gzip-compressed (archives clients send). */
public final class Gzip {

    private Gzip() {}

    /** The stream, decompressed when it starts with gzip's magic bytes. */
    public static InputStream maybeCompressed(InputStream in) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
        b.mark(2);
        int m1 = b.read();
        int m2 = b.read();
        b.reset();
        return m1 == 0x1f && m2 == 0x8b ? new GZIPInputStream(b, 1 << 16) : b;
    }
}
