package dev.berth.daemon;

import dev.berth.api.ApiRouter;
import dev.berth.api.container.ArchiveRoutes;
import dev.berth.api.container.ContainerRoutes;
import dev.berth.api.container.ExecRoutes;
import dev.berth.api.image.BuildRoutes;
import dev.berth.api.image.ImageRoutes;
import dev.berth.api.network.NetworkRoutes;
import dev.berth.api.system.EventRoutes;
import dev.berth.api.system.SystemRoutes;
import dev.berth.api.volume.VolumeRoutes;
import dev.berth.build.Builder;
import dev.berth.container.ContainerEngine;
import dev.berth.container.Containers;
import dev.berth.container.exec.ExecSessions;
import dev.berth.container.exec.Execs;
import dev.berth.container.health.HealthMonitor;
import dev.berth.events.EventLog;
import dev.berth.host.HostFacts;
import dev.berth.image.ImageStore;
import dev.berth.image.Platform;
import dev.berth.runtime.ConmonRuntime;
import dev.berth.runtime.OciRuntimeSelection;
import dev.berth.network.NetworkManager;
import dev.berth.registry.Distribution;
import dev.berth.registry.ImageTransfers;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.rootfs.RootfsDrivers;
import dev.berth.system.EngineIdentity;
import dev.berth.system.SystemService;
import dev.berth.volume.VolumeManager;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The daemon's object graph, built in one place from its configuration: the stores, the runtime, networks,
 * volumes, containers, registries and the builder, and the API's route groups over them. The daemon, the
 * API spec check and the benchmarks all build it here, so none of them wires the engine by hand.
 */
public final class DaemonGraph implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DaemonGraph.class.getName());
    /** The event history's file size before it is rotated (the history keeps up to twice this). */
    private static final long EVENT_LOG_BYTES = 4 << 20;

    private final HostFacts host;
    private final ImageStore images;
    private final String storageDriver;
    private final EventLog events;
    private final NetworkManager networks;
    private final VolumeManager volumes;
    private final Containers containers;
    private final Execs execs;
    private final SystemService system;
    private final ImageTransfers transfers;
    private final Builder builder;

    private DaemonGraph(HostFacts host, ImageStore images, String storageDriver, EventLog events, NetworkManager networks,
                        VolumeManager volumes, Containers containers, Execs execs, SystemService system, ImageTransfers transfers, Builder builder) {
        this.host = host;
        this.images = images;
        this.storageDriver = storageDriver;
        this.events = events;
        this.networks = networks;
        this.volumes = volumes;
        this.containers = containers;
        this.execs = execs;
        this.system = system;
        this.transfers = transfers;
        this.builder = builder;
    }

    /**
     * Opens what {@code config} names and reconciles it with what ran on while the daemon was away.
     *
     * @param runtime the OCI runtime, found ({@code runtime.path()} present)
     * @param conmon  the monitor's executable
     * @throws ConfigException when the storage driver named cannot serve here
     */
    public static DaemonGraph open(DaemonConfig config, HostFacts host, OciRuntimeSelection runtime, Path conmon) throws IOException {
        Path root = config.root();
        ImageStore images = new ImageStore(root);
        RootfsDriver rootfs;
        try {
            rootfs = RootfsDrivers.open(root, config.storageDriver());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        ConmonRuntime monitor = new ConmonRuntime(conmon, runtime.path().orElseThrow(), config.runroot(), root.resolve("logs"));
        EventLog events = new EventLog(root, EVENT_LOG_BYTES);
        images.events(events);
        NetworkManager networks = new NetworkManager(root, config.runroot(), config.dnsUpstreams(), events);
        VolumeManager volumes = new VolumeManager(root, events);
        ContainerEngine engine = new ContainerEngine(root, images, rootfs, monitor, monitor.exitDir(), HostFacts.nofileHardLimit(),
                networks, volumes, events);
        ExecSessions execs = new ExecSessions(engine, monitor);
        new HealthMonitor(engine, execs);     // lives on through the engine's listeners
        Containers containers = Containers.of(engine, execs);
        images.guard(containers.lifecycle().imageUsers());
        SystemService system = new SystemService(EngineIdentity.loadOrCreate(root), host, root, runtime, Optional.of(conmon),
                config.logLevel().intValue() <= Level.FINE.intValue(), images, rootfs.name(), containers, volumes,
                config.insecureRegistries(), config.registryMirrors());
        Distribution distribution = Distribution.open(images, root, new Platform("linux", host.goArch(), ""),
                config.insecureRegistries(), config.registryCertsDir(), config.registryMirrors());
        LOG.fine("container root filesystems: " + rootfs.name());
        return new DaemonGraph(host, images, rootfs.name(), events, networks, volumes, containers, execs, system, distribution,
                new Builder(root, containers, images, distribution));
    }

    /** Every route group the daemon serves; api-spec/ is checked against exactly these. */
    public List<ApiRouter.Group> apiGroups(PrometheusMeterRegistry metrics) {
        return List.of(new SystemRoutes(system, metrics), new ImageRoutes(images, transfers, host, system.storageDriver()),
                new ContainerRoutes(containers.lifecycle(), containers, containers.streams(), containers.networking(), storageDriver), new ExecRoutes(execs),
                new NetworkRoutes(networks, containers.networking()), new VolumeRoutes(volumes),
                new ArchiveRoutes(containers.content()), new EventRoutes(events), new BuildRoutes(builder));
    }

    public String storageDriver() {
        return storageDriver;
    }

    /** Stops watching and closes the stores; the containers themselves run on under conmon, and keep their networks. */
    @Override
    public void close() {
        try {
            containers.close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "closing: " + e.getMessage(), e);
        }
        networks.close();
        try {
            events.close();
        } catch (IOException e) {
            LOG.warning("closing the event history: " + e.getMessage());
        }
    }
}
