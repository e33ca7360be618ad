package dev.berth.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

/** The daemon's ID (/info ID): made once, kept under --root so it survives restarts. */
public final class EngineIdentity {

    private EngineIdentity() {}

    public static String loadOrCreate(Path root) throws IOException {
        Path file = root.resolve("engine-id");
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!id.isEmpty()) {
                return id;
            }
        }
        String id = UUID.randomUUID().toString();
        Path tmp = Files.createTempFile(root, ".engine-id", ".tmp");
        Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, ATOMIC_MOVE);
        return id;
    }
}
