package dev.berth.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

/**
 * Everything the daemon is started with, after flags and the config file are merged.
 *
 * @param runtime   OCI runtime name or path; {@code null} means detect (crun where it works, else runc)
 * @param conmon    conmon path; {@code null} means look it up on PATH
 * @param storageDriver {@code overlay} or {@code vfs}; {@code null} means overlay where it works
 * @param tls       TLS files for TCP listeners, or {@code null}
 * @param idleExit  with socket activation, exit after this long without connections; {@code null}: never
 */
public record DaemonConfig(
        List<HostAddress> hosts,
        Path root,
        Path runroot,
        String runtime,
        String conmon,
        String storageDriver,
        Level logLevel,
        Tls tls,
        Duration idleExit,
        long maxRequestBody,
        Duration shutdownTimeout) {

    public record Tls(Path cert, Path key, Path ca) {}

    public static final Path DEFAULT_CONFIG = Path.of("/etc/berth/berth.json");
    public static final Path DEFAULT_SOCKET = Path.of("/run/berth/berth.sock");

    public boolean socketActivated() {
        return hosts.stream().anyMatch(h -> h instanceof HostAddress.Activated);
    }
}
