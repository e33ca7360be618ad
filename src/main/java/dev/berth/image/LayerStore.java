package dev.berth.image;

import dev.berth.errors.EngineException;
import dev.berth.host.FileTrees;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

/**
 * Unpacked layers, one directory per diff id ({@code layers/<hex>}), shared by every image that has
 * the layer. A layer is unpacked into a temporary directory and renamed into place only once its
 * content matched its diff id, so a layer directory that exists is complete and correct.
 */
public final class LayerStore {

    private final Path dir;
    private final Path tmp;

    LayerStore(Path root) throws IOException {
        this.dir = Files.createDirectories(root.resolve("layers"));
        this.tmp = Files.createDirectories(root.resolve("tmp"));
    }

    public Path path(Digest diffId) {
        return dir.resolve(diffId.hex());
    }

    public boolean has(Digest diffId) {
        return Files.isDirectory(path(diffId));
    }

    /**
     * Unpacks an uncompressed layer tar, copying it to {@code copy} as it goes, and checks that it is
     * the layer {@code expected} (its sha256). A mismatch leaves nothing behind.
     */
    void unpack(InputStream tar, Digest expected, OutputStream copy, String source) throws IOException {
        Path staging = Files.createTempDirectory(tmp, "layer-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            MessageDigest md = Digest.sha256();
            InputStream in = new DigestInputStream(copy == null ? tar : new TeeInputStream(tar, copy), md);
            LayerUnpacker.unpack(new NonClosing(in), staging);
            in.transferTo(OutputStream.nullOutputStream());    // tar padding after the end marker counts too
            Digest actual = Digest.of(md);
            if (!actual.equals(expected)) {
                throw EngineException.invalid("layer digest mismatch: " + source + " has content " + actual
                        + ", but the image config names " + expected);
            }
            if (!has(expected)) {
                Files.move(staging, path(expected), ATOMIC_MOVE);
            }
        } finally {
            FileTrees.delete(staging);
        }
    }

    public Set<Digest> all() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            Set<Digest> out = new HashSet<>();
            files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}")).forEach(n -> out.add(new Digest(n)));
            return out;
        }
    }

    public void delete(Digest diffId) throws IOException {
        FileTrees.delete(path(diffId));
    }

    /** The tar reader closes what it reads; the digest must still see the bytes after the end marker. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }

    private static final class TeeInputStream extends java.io.FilterInputStream {
        private final OutputStream copy;

        TeeInputStream(InputStream in, OutputStream copy) {
            super(in);
            this.copy = copy;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                copy.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                copy.write(b, off, n);
            }
            return n;
        }
    }
}
