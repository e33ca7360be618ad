package dev.berth.daemon;

import dev.berth.api.ApiRouter;
import dev.berth.host.Executables;
import dev.berth.host.HostFacts;
import dev.berth.runtime.OciRuntimeSelection;
import dev.berth.system.BuildInfo;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import sun.misc.Signal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/** berthd: parses its options, serves the API until SIGTERM/SIGINT (or idle, with --time), exits 0. */
public final class Berthd {

    private static final Logger LOG = Logger.getLogger(Berthd.class.getName());

    private final DaemonConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private Vertx vertx;
    private Listeners listeners;
    private DaemonGraph graph;

    private Berthd(DaemonConfig config) {
        this.config = config;
    }

    public static void main(String[] args) {
        Options.Parsed parsed;
        try {
            parsed = Options.parse(args);
        } catch (ConfigException e) {
            System.err.println("berthd: " + e.getMessage());
            System.exit(1);
            return;
        }
        switch (parsed) {
            case Options.Parsed.Help h -> System.out.print(Options.help());
            case Options.Parsed.Version v -> System.out.println("Berth version " + BuildInfo.CURRENT.version()
                    + ", build " + BuildInfo.CURRENT.commit());
            case Options.Parsed.Run run -> System.exit(new Berthd(run.config()).run());
        }
    }

    private int run() {
        Logging.configure(config.logLevel());
        try {
            start();
        } catch (ConfigException e) {
            LOG.severe(e.getMessage());
            halt();
            return 1;
        } catch (Exception e) {
            LOG.log(Level.SEVERE, "cannot start: " + e.getMessage(), e);
            halt();
            return 1;
        }
        Signal.handle(new Signal("TERM"), s -> stop("SIGTERM"));
        Signal.handle(new Signal("INT"), s -> stop("SIGINT"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private void start() throws Exception {
        List<Integer> activated = config.socketActivated()
                ? SocketActivation.listenFds(System.getenv(), ProcessHandle.current().pid())
                : List.of();
        Files.createDirectories(config.root());
        Files.setPosixFilePermissions(config.root(), PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(config.runroot());
        // Traversable, so members of the berth group reach a socket inside it.
        Files.setPosixFilePermissions(config.runroot(), PosixFilePermissions.fromString("rwx--x--x"));

        HostFacts host = HostFacts.read();
        // The HTTP side (Vert.x, metrics) is made on a second thread while this one opens the engines: two cores.
        CompletableFuture<HttpSide> http = new CompletableFuture<>();
        Thread.ofPlatform().name("start-http").start(() -> {
            try {
                http.complete(HttpSide.make(host.ncpu()));
            } catch (Throwable e) {
                http.completeExceptionally(e);
            }
        });
        OciRuntimeSelection runtime = OciRuntimeSelection.select(config.runtime(), host.cgroupVersion().equals("2"));
        Optional<Path> conmon = Executables.find(config.conmon() != null ? config.conmon() : "conmon");
        if (runtime.path().isEmpty()) {
            LOG.warning("OCI runtime " + (config.runtime() != null ? config.runtime() : runtime.name())
                    + " not found: containers cannot run (install runc)");
        }
        if (conmon.isEmpty()) {
            LOG.warning("conmon not found" + (config.conmon() != null ? " at " + config.conmon() : " on PATH")
                    + ": containers cannot run (install conmon)");
        }
        if (conmon.isEmpty() || runtime.path().isEmpty()) {
            throw new ConfigException("containers need conmon and an OCI runtime: install them (daemon/setup does), or name them"
                    + " with --conmon and --runtime");
        }
        graph = DaemonGraph.open(config, host, runtime, conmon.get());

        HttpSide side;
        try {
            side = http.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
        vertx = side.vertx();
        PrometheusMeterRegistry metrics = side.metrics();
        ApiRouter api = new ApiRouter(vertx, config.maxRequestBody(), config.apiCorsHeader(), metrics, graph.apiGroups(metrics));
        ConnectionTracker tracker = new ConnectionTracker(vertx, metrics, config.socketActivated() ? config.idleExit() : null,
                () -> stop("idle for " + config.idleExit().toSeconds() + "s"));
        listeners = new Listeners(vertx, api.router(), api.routes().hijackPaths(), tracker, config.connections());
        listeners.listen(config, activated).await(30, TimeUnit.SECONDS);
        tracker.start();
        LOG.info("Berth " + BuildInfo.CURRENT.version() + " serving the Docker API on " + config.hosts()
                + " (runtime " + runtime.name() + ", storage " + graph.storageDriver() + ", root " + config.root() + ")");
    }

    /** Vert.x on the epoll transport, and the metrics registry with the JVM's meters bound. */
    private record HttpSide(Vertx vertx, PrometheusMeterRegistry metrics) {
        static HttpSide make(int cpus) {
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(metrics);
            new JvmGcMetrics().bindTo(metrics);
            new JvmThreadMetrics().bindTo(metrics);
            new ClassLoaderMetrics().bindTo(metrics);
            new ProcessorMetrics().bindTo(metrics);
            ActivatedTransport transport = new ActivatedTransport();
            if (!transport.available()) {
                throw new IllegalStateException("the epoll transport is not available: " + transport.unavailabilityCause());
            }
            return new HttpSide(Vertx.builder().with(vertxOptions(cpus)).withTransport(transport).build(), metrics);
        }
    }

    /** No class-path file cache: Berth serves no files from its jar, and the cache would leave a dir in /tmp. */
    public static VertxOptions vertxOptions(int cpus) {
        return new VertxOptions()
                .setEventLoopPoolSize(Math.max(2, cpus))
                .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false).setFileCachingEnabled(false));
    }

    private void stop(String why) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        LOG.info("stopping (" + why + "): finishing requests in flight");
        Thread.ofVirtual().start(() -> {
            try {
                listeners.shutdown(config.shutdownTimeout()).await(config.shutdownTimeout().toSeconds() + 5, TimeUnit.SECONDS);
                halt();
                LOG.info("stopped");
            } catch (Throwable e) {
                // an Error too (a jar replaced under the running daemon fails class loading): the daemon still exits
                LOG.log(Level.WARNING, "shutdown: " + e, e);
            } finally {
                stopped.countDown();
            }
        });
    }

    private void halt() {
        if (graph != null) {
            graph.close();
        }
        if (vertx != null) {
            try {
                vertx.close().await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing: " + e.getMessage(), e);
            }
        }
    }
}
