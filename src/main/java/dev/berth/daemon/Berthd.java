package dev.berth.daemon;

import dev.berth.api.ApiRouter;
import dev.berth.api.container.ContainerRoutes;
import dev.berth.api.container.ExecRoutes;
import dev.berth.api.image.ImageRoutes;
import dev.berth.api.network.NetworkRoutes;
import dev.berth.api.volume.VolumeRoutes;
import dev.berth.api.image.BuildRoutes;
import dev.berth.build.Builder;
import dev.berth.api.system.EventRoutes;
import dev.berth.events.EventLog;
import dev.berth.api.container.ArchiveRoutes;
import dev.berth.volume.VolumeManager;
import dev.berth.container.Containers;
import dev.berth.network.NetworkManager;
import dev.berth.monitor.ConmonRuntime;
import dev.berth.api.system.SystemRoutes;
import dev.berth.image.ImageStore;
import dev.berth.image.Platform;
import dev.berth.registry.Distribution;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.rootfs.RootfsDrivers;
import dev.berth.system.Executables;
import dev.berth.monitor.OciRuntimeSelection;
import dev.berth.system.BuildInfo;
import dev.berth.system.EngineIdentity;
import dev.berth.system.HostFacts;
import dev.berth.system.SystemService;
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
    private Containers containers;
    private NetworkManager networks;
    private EventLog events;
    /** The event history's file size before it is rotated (the history keeps up to twice this). */
    private static final long EVENT_LOG_BYTES = 4 << 20;

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
        ImageStore images = new ImageStore(config.root());
        RootfsDriver rootfs;
        try {
            rootfs = RootfsDrivers.open(config.root(), config.storageDriver());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (conmon.isEmpty() || runtime.path().isEmpty()) {
            throw new ConfigException("containers need conmon and an OCI runtime: install them (daemon/setup does), or name them"
                    + " with --conmon and --runtime");
        }
        ConmonRuntime monitor = new ConmonRuntime(conmon.get(), runtime.path().get(), config.runroot(), config.root().resolve("logs"));
        events = new EventLog(config.root(), EVENT_LOG_BYTES);
        images.events(events);
        networks = new NetworkManager(config.root(), config.runroot(), config.dnsUpstreams(), events);
        VolumeManager volumes = new VolumeManager(config.root(), events);
        containers = Containers.open(config.root(), images, rootfs, monitor, monitor.exitDir(), HostFacts.nofileHardLimit(), networks,
                volumes, events);
        images.guard(containers.lifecycle().imageUsers());
        SystemService system = new SystemService(EngineIdentity.loadOrCreate(config.root()), host, config.root(),
                runtime, conmon, config.logLevel().intValue() <= Level.FINE.intValue(), images, rootfs.name(), containers, volumes,
                config.insecureRegistries(), config.registryMirrors());

        HttpSide side;
        try {
            side = http.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
        vertx = side.vertx();
        PrometheusMeterRegistry metrics = side.metrics();
        Distribution distribution = Distribution.open(images, config.root(), new Platform("linux", host.goArch(), ""),
                config.insecureRegistries(), config.registryCertsDir(), config.registryMirrors());
        ApiRouter api = new ApiRouter(vertx, config.maxRequestBody(), config.apiCorsHeader(), metrics, apiGroups(system, images, host, metrics,
                containers, networks, volumes, events, rootfs.name(), distribution, new Builder(config.root(), containers, images)));
        LOG.fine("container root filesystems: " + rootfs.name());
        ConnectionTracker tracker = new ConnectionTracker(vertx, metrics, config.socketActivated() ? config.idleExit() : null,
                () -> stop("idle for " + config.idleExit().toSeconds() + "s"));
        listeners = new Listeners(vertx, api.router(), api.routes().hijackPaths(), tracker, config.connections());
        listeners.listen(config, activated).await(30, TimeUnit.SECONDS);
        tracker.start();
        LOG.info("Berth " + BuildInfo.CURRENT.version() + " serving the Docker API on " + config.hosts()
                + " (runtime " + runtime.name() + ", storage " + rootfs.name() + ", root " + config.root() + ")");
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

    /** Every route group the daemon serves; api-spec/ is checked against exactly these. */
    public static List<ApiRouter.Group> apiGroups(SystemService system, ImageStore images, HostFacts host,
                                                  PrometheusMeterRegistry metrics, Containers containers,
                                                  NetworkManager networks, VolumeManager volumes, EventLog events,
                                                  String storageDriver,
                                                  Distribution distribution, Builder builder) {
        return List.of(new SystemRoutes(system, metrics), new ImageRoutes(images, distribution, host, system.storageDriver()),
                new ContainerRoutes(containers, storageDriver), new ExecRoutes(containers.execs()), new NetworkRoutes(networks, containers.networking()),
                new VolumeRoutes(volumes), new ArchiveRoutes(containers.content()), new EventRoutes(events),
                new BuildRoutes(builder, distribution.puller()));
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
        if (containers != null) {
            try {
                containers.close();     // the containers themselves run on under conmon
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing: " + e.getMessage(), e);
            }
        }
        if (networks != null) {
            networks.close();           // and keep their networks
        }
        if (events != null) {
            try {
                events.close();
            } catch (java.io.IOException e) {
                LOG.warning("closing the event history: " + e.getMessage());
            }
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
