package dev.berth.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

/** Crash-safe file replacement: readers see the old content or the new, never a torn write. */
public final class AtomicFiles {

    private AtomicFiles() {}

    /** Writes a temporary file beside {@code target}, syncs it to disk, and renames it over {@code target}. */
    public static void write(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, content);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, target, ATOMIC_MOVE);
    }
}
