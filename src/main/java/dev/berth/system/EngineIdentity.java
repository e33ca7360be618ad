package dev.berth.system;

import dev.berth.host.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

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
        AtomicFiles.write(file, (id + "\n").getBytes(StandardCharsets.UTF_8));
        return id;
    }
}
