package dev.berth.daemon;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;

/** One {@code -H} value: where the API listens. */
public sealed interface HostAddress {

    /** {@code unix:///path}. */
    record Unix(Path path) implements HostAddress {
        @Override public String toString() { return "unix://" + path; }
    }

    /** {@code tcp://host:port}. */
    record Tcp(String host, int port) implements HostAddress {
        @Override public String toString() { return "tcp://" + host + ":" + port; }

        boolean isLoopback() {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
    }

    /** {@code fd://}: every listener systemd passed in (socket activation). */
    record Activated() implements HostAddress {
        @Override public String toString() { return "fd://"; }
    }

    static HostAddress parse(String spec) {
        if (spec.equals("fd://")) {
            return new Activated();
        }
        if (spec.startsWith("unix://")) {
            String path = spec.substring("unix://".length());
            if (!path.startsWith("/")) {
                throw new ConfigException("invalid host " + spec + ": unix socket path must be absolute");
            }
            return new Unix(Path.of(path));
        }
        if (spec.startsWith("tcp://")) {
            URI uri;
            try {
                uri = URI.create(spec);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("invalid host " + spec + ": " + e.getMessage());
            }
            if (uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty())) {
                throw new ConfigException("invalid host " + spec + ": expected tcp://HOST:PORT");
            }
            return new Tcp(uri.getHost().replaceAll("^\\[|\\]$", ""), uri.getPort() < 0 ? 2375 : uri.getPort());
        }
        throw new ConfigException("invalid host " + spec + ": expected unix:///PATH, tcp://HOST:PORT or fd://");
    }
}
