package dev.berth.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.logging.Logger;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

/**
 * Crash-safe state files: readers see the old content or the new, never a torn write, and a file that a crash
 * or a bad disk damaged anyway costs what it held, not the daemon's start.
 */
public final class AtomicFiles {

    private static final Logger LOG = Logger.getLogger(AtomicFiles.class.getName());

    private AtomicFiles() {}

    /**
     * Writes a temporary file of its own beside {@code target} (two writers of one target never share it), syncs it,
     * renames it over {@code target} and syncs the directory, so the rename itself survives a power loss.
     */
    public static void write(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + dev.berth.host.Ids.random().substring(0, 12) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(content));
                ch.force(true);
            }
            Files.move(tmp, target, ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel dir = FileChannel.open(target.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** Reads a state file; what it holds, parsed. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(Path file) throws IOException;
    }

    /**
     * A state file parsed, or empty when there is none. One that cannot be parsed is moved aside
     * ({@code <name>.damaged-<millis>}, for a person to look at) with a warning, and reads as absent.
     */
    public static <T> Optional<T> readOrSetAside(Path file, Parser<T> parser) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(parser.parse(file));
        } catch (IOException | RuntimeException damaged) {
            Path aside = setAside(file);
            LOG.warning("damaged state file " + file + " (" + damaged.getMessage() + "): moved to " + aside + "; what it held is not loaded");
            return Optional.empty();
        }
    }

    /** Moves a damaged file or directory aside, beside where it was; where it went. */
    public static Path setAside(Path damaged) throws IOException {
        Path aside = damaged.resolveSibling(damaged.getFileName() + ".damaged-" + System.currentTimeMillis());
        Files.move(damaged, aside);
        return aside;
    }
}
