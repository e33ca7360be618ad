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
 * @param insecureRegistries registries (host[:port] or CIDR) spoken to without TLS verification, besides loopback
 * @param dnsUpstreams where user networks' DNS servers forward other names; empty: the host's resolvers
 * @param apiCorsHeader the web origin whose requests are served ({@code *}: any); {@code null}: requests with an Origin are refused
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
        Duration shutdownTimeout,
        Connections connections,
        List<String> insecureRegistries,
        Path registryCertsDir,
        List<String> registryMirrors,
        List<String> dnsUpstreams,
        String apiCorsHeader) {

    public record Tls(Path cert, Path key, Path ca) {}

    /**
     * @param idle    a connection with no request for this long is closed
     * @param read    a request (head and body) that makes no progress for this long is dropped
     * @param max     connections served at once; 0: the open-files limit less a reserve for the daemon's own files
     */
    public record Connections(Duration idle, Duration read, int max) {
        public static final Connections DEFAULT = new Connections(Duration.ofSeconds(120), Duration.ofSeconds(30), 0);
    }

    public static final Path DEFAULT_CONFIG = Path.of("/etc/berth/berth.json");
    public static final Path DEFAULT_SOCKET = Path.of("/run/berth/berth.sock");

    public boolean socketActivated() {
        return hosts.stream().anyMatch(h -> h instanceof HostAddress.Activated);
    }
}
