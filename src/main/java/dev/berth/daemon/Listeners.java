package dev.berth.daemon;

import dev.berth.api.hijack.HijackPipeline;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.logging.Logger;

/** Opens one HTTP server per {@code -H} host, all serving the same router. */
final class Listeners {

    private static final Logger LOG = Logger.getLogger(Listeners.class.getName());
    private static final String SOCKET_GROUP = "berth";

    private final Vertx vertx;
    private final Router router;
    private final Predicate<String> hijackPaths;
    private final ConnectionTracker tracker;
    private final List<HttpServer> servers = new ArrayList<>();
    private final DaemonConfig.Connections limits;
    private final int maxConnections;

    Listeners(Vertx vertx, Router router, Predicate<String> hijackPaths, ConnectionTracker tracker, DaemonConfig.Connections limits) {
        this.vertx = vertx;
        this.router = router;
        this.hijackPaths = hijackPaths;
        this.tracker = tracker;
        this.limits = limits;
        this.maxConnections = limits.max() > 0 ? limits.max() : Math.max(64, openFilesLimit() - FD_RESERVE);
    }

    /** Descriptors kept for the daemon's own files, processes and container sockets when connections pile up. */
    private static final int FD_RESERVE = 1024;

    /** The soft RLIMIT_NOFILE this process runs with (the JVM raises it to the hard limit). */
    private static int openFilesLimit() {
        try {
            return Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
                    .map(l -> l.substring(26).trim().split("\\s+")[0]).filter(v -> v.matches("\\d+"))
                    .map(Integer::parseInt).findFirst().orElse(1024);
        } catch (IOException e) {
            return 1024;
        }
    }

    /** Called from main before the event loop serves anything: blocking checks are fine here. */
    Future<Void> listen(DaemonConfig config, List<Integer> activatedFds) throws IOException {
        List<Future<?>> all = new ArrayList<>();
        for (HostAddress host : config.hosts()) {
            switch (host) {
                case HostAddress.Unix unix -> {
                    prepareSocketPath(unix.path());
                    all.add(server(new HttpServerOptions()).listen(SocketAddress.domainSocketAddress(unix.path().toString()))
                            .compose(s -> vertx.executeBlocking(() -> restrictSocket(unix.path()))));
                }
                case HostAddress.Tcp tcp -> all.add(server(tcpOptions(config.tls())).listen(tcp.port(), tcp.host()));
                case HostAddress.Activated a -> activatedFds.forEach(fd ->
                        all.add(server(new HttpServerOptions()).listen(ActivatedTransport.addressOf(fd))));
            }
        }
        return Future.all(all).mapEmpty();
    }

    /** Stops accepting, lets requests in flight finish within the timeout, then closes what is left. */
    Future<Void> shutdown(java.time.Duration timeout) {
        return Future.join(servers.stream().map(s -> s.shutdown(timeout)).toList()).mapEmpty();
    }

    private HttpServer server(HttpServerOptions options) {
        // No h2c: with it, Vert.x sniffs the first bytes and decodes the first request before connectionHandler runs.
        HttpServer server = vertx.createHttpServer(options.setCompressionSupported(false).setHttp2ClearTextEnabled(false))
                .requestHandler(router)
                .connectionHandler(conn -> {
                    ChannelPipeline pipeline = ((HttpServerConnection) conn).channelHandlerContext().pipeline();
                    if (tracker.open() >= maxConnections) {
                        // over the cap: refused at once, so the daemon keeps descriptors for its own files
                        LOG.warning("refusing a connection: " + maxConnections + " are open (max-connections)");
                        pipeline.channel().close();
                        return;
                    }
                    HijackPipeline.install(pipeline, hijackPaths);
                    ConnectionGuard.install(pipeline, limits.idle(), limits.read());
                    tracker.opened(pipeline.channel());
                });
        servers.add(server);
        return server;
    }

    private static HttpServerOptions tcpOptions(DaemonConfig.Tls tls) {
        HttpServerOptions options = new HttpServerOptions().setTcpNoDelay(true);
        if (tls != null) {
            options.setSsl(true)
                    .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString()))
                    .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()))
                    .setClientAuth(ClientAuth.REQUIRED);
        }
        return options;
    }

    /** A socket file left by a dead daemon is replaced; one a live daemon answers on is not. */
    private static void prepareSocketPath(Path path) throws IOException {
        Files.createDirectories(path.getParent());
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!"socket".equals(fileType(path))) {
            throw new ConfigException(path + " exists and is not a socket: remove it or choose another -H unix:// path");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new ConfigException("another daemon is already listening on " + path + "; stop it first");
        } catch (IOException refused) {
            LOG.info("removing stale socket " + path + " (nothing listens on it)");
            Files.delete(path);
        }
    }

    private static String fileType(Path path) throws IOException {
        Object mode = Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return ((Integer) mode & 0170000) == 0140000 ? "socket" : "other";
    }

    /** 0660, group berth where that group exists: root and the berth group may use the API. */
    private static Void restrictSocket(Path path) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        try {
            GroupPrincipal group = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(SOCKET_GROUP);
            Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(group);
        } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
            LOG.fine("no group " + SOCKET_GROUP + ": " + path + " stays root-only");
        }
        return null;
    }
}
