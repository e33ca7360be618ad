package dev.berth.image;

import dev.berth.host.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.stream.Stream;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

/**
 * Content-addressed files: {@code blobs/sha256/<hex>}. A blob is written to a temporary file while its
 * digest is computed, synced, and renamed into place, so a blob that exists is always whole.
 */
public final class BlobStore {

    private final Path dir;
    private final Path tmp;

    BlobStore(Path root) throws IOException {
        this.dir = Files.createDirectories(root.resolve("blobs/sha256"));
        this.tmp = Files.createDirectories(root.resolve("tmp"));
    }

    public Path path(Digest digest) {
        return dir.resolve(digest.hex());
    }

    public boolean has(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    public long size(Digest digest) throws IOException {
        return Files.size(path(digest));
    }

    public InputStream open(Digest digest) throws IOException {
        return Files.newInputStream(path(digest));
    }

    /**
     * A small blob's content (image configs, manifests, indexes: JSON the daemon parses); one larger than
     * {@code max} bytes is refused before it is read, so an archive cannot make the daemon load gigabytes.
     */
    public byte[] read(Digest digest, long max) throws IOException {
        long size = Files.size(path(digest));
        if (size > max) {
            throw dev.berth.errors.EngineException.invalid("blob " + digest + " has " + size + " bytes, more than the " + max
                    + " an image config or manifest may have");
        }
        return Files.readAllBytes(path(digest));
    }

    /** Copies the stream to a new blob and answers its digest; an existing blob with that digest is kept. */
    /** A new empty file among the store's temporary ones (removed at the next start if left). */
    Path scratch() throws IOException {
        return Files.createTempFile(tmp, "scratch-", ".tmp");
    }

    public Digest write(InputStream in) throws IOException {
        Path t = Files.createTempFile(tmp, "blob-", ".tmp");
        try {
            MessageDigest md = Digest.sha256();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(t), md)) {
                in.transferTo(out);
            }
            return commit(t, Digest.of(md));
        } finally {
            Files.deleteIfExists(t);
        }
    }

    public Digest write(byte[] data) throws IOException {
        return write(new java.io.ByteArrayInputStream(data));
    }

    /** Starts a blob whose content the caller writes; {@link PendingBlob#commit} names it by what was written. */
    public PendingBlob create() throws IOException {
        return new PendingBlob(Files.createTempFile(tmp, "blob-", ".tmp"));
    }

    public final class PendingBlob implements AutoCloseable {
        private final Path file;
        private final MessageDigest md = Digest.sha256();
        private final DigestOutputStream out;

        private PendingBlob(Path file) throws IOException {
            this.file = file;
            this.out = new DigestOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16), md);
        }

        public OutputStream stream() {
            return out;
        }

        public Digest commit() throws IOException {
            out.close();
            return BlobStore.this.commit(file, Digest.of(md));
        }

        @Override
        public void close() throws IOException {
            out.close();
            Files.deleteIfExists(file);
        }
    }

    private Digest commit(Path t, Digest digest) throws IOException {
        Path target = path(digest);
        if (Files.exists(target)) {
            return digest;
        }
        try (FileChannel ch = FileChannel.open(t, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(t, target, ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
            // another load wrote the same content: fine
        }
        return digest;
    }

    public void delete(Digest digest) throws IOException {
        Files.deleteIfExists(path(digest));
    }

    /** Every blob, for garbage collection. */
    public Stream<Digest> all() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}")).map(Digest::new)
                    .toList().stream();
        }
    }

    /** Whether the store holds no blob at all (a new store). */
    boolean isEmpty() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }

    /** Half-written blobs of a daemon that died mid-write. */
    void removeLeftovers() throws IOException {
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path p : files.toList()) {
                FileTrees.delete(p);
            }
        }
    }
}
