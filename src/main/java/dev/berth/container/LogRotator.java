package dev.berth.container;

import dev.berth.container.logs.ContainerLogs;
import dev.berth.container.logs.LogOptions;
import dev.berth.runtime.OciRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@code --log-opt max-size=… --log-opt max-file=N} with N above 1, as dockerd's json-file driver keeps
 * them: once a running container's log reaches max-size it becomes {@code <log>.1} (older ones move up,
 * the oldest goes), and its monitor reopens a fresh one. Looked at once a second.
 */
final class LogRotator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LogRotator.class.getName());
    private static final long PERIOD_MS = 1000;

    private final Supplier<List<Container>> containers;
    private final OciRuntime runtime;
    private final Thread thread;

    LogRotator(Supplier<List<Container>> containers, OciRuntime runtime) {
        this.containers = containers;
        this.runtime = runtime;
        this.thread = Thread.ofVirtual().name("log-rotator").start(this::run);
    }

    private void run() {
        try {
            while (true) {
                Thread.sleep(PERIOD_MS);
                for (Container c : containers.get()) {
                    LogOptions.Rotation rotation = LogOptions.rotation(c.hostConfig());
                    if (c.state().running() && c.keepsLog() && rotation.rotates()) {
                        check(c.id(), rotation);
                    }
                }
            }
        } catch (InterruptedException closing) {
            // the engine is closing
        }
    }

    private void check(String id, LogOptions.Rotation rotation) {
        Path log = runtime.paths(id).log();
        try {
            if (!Files.exists(log) || Files.size(log) < rotation.maxBytes()) {
                return;
            }
            Files.deleteIfExists(ContainerLogs.rotation(log, rotation.files() - 1));
            for (int i = rotation.files() - 2; i >= 1; i--) {
                if (Files.exists(ContainerLogs.rotation(log, i))) {
                    Files.move(ContainerLogs.rotation(log, i), ContainerLogs.rotation(log, i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(log, ContainerLogs.rotation(log, 1), StandardCopyOption.REPLACE_EXISTING);
            runtime.reopenLog(id);
        } catch (IOException e) {
            LOG.fine("rotating the log of " + id + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
