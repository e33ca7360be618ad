package dev.berth.system;

import dev.berth.container.ContainerViews;
import dev.berth.container.Containers;
import dev.berth.host.HostFacts;
import dev.berth.image.ImageStore;
import dev.berth.runtime.OciRuntimeSelection;
import dev.berth.volume.Volume;
import dev.berth.volume.Volumes;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/** The engine's account of itself and its host, for /version and /info. */
public final class SystemService implements SystemReports {

    private static final Executor BLOCKING = Executors.newVirtualThreadPerTaskExecutor();

    private final String id;
    private final HostFacts host;
    private final Path root;
    private final OciRuntimeSelection runtime;
    private final boolean debug;
    private final ImageStore images;
    private final String storageDriver;
    private final Containers containers;
    private final Volumes volumes;
    private final CompletableFuture<List<ToolVersion>> components;

    private final List<String> insecureRegistries;
    private final List<String> registryMirrors;

    public SystemService(String id, HostFacts host, Path root, OciRuntimeSelection runtime, Optional<Path> conmon, boolean debug,
                         ImageStore images, String storageDriver, Containers containers, Volumes volumes,
                         List<String> insecureRegistries, List<String> registryMirrors) {
        this.volumes = volumes;
        this.insecureRegistries = List.copyOf(insecureRegistries);
        this.registryMirrors = List.copyOf(registryMirrors);
        this.containers = containers;
        this.images = images;
        this.storageDriver = storageDriver;
        this.id = id;
        this.host = host;
        this.root = root;
        this.runtime = runtime;
        this.debug = debug;
        // Asked once, in the background: the first /_ping must not wait for two process spawns.
        this.components = CompletableFuture.supplyAsync(() -> {
            List<ToolVersion> found = new ArrayList<>();
            conmon.flatMap(p -> ToolVersion.of("conmon", p)).ifPresent(found::add);
            runtime.path().flatMap(p -> ToolVersion.of(runtime.name(), p)).ifPresent(found::add);
            return List.copyOf(found);
        }, BLOCKING);
    }

    public String storageDriver() {
        return storageDriver;
    }

    @Override
    public CompletableFuture<VersionReport> version() {
        return components.thenApply(c -> new VersionReport(BuildInfo.CURRENT, host, Runtime.version().toString(), c));
    }

    @Override
    public CompletableFuture<InfoReport> info() {
        return components.thenApplyAsync(tools -> new InfoReport(
                id, host, root,
                storageDriver,
                "cgroupfs",
                runtime,
                tools,
                counts(),
                openFiles(),
                ManagementFactory.getThreadMXBean().getThreadCount(),
                Instant.now(),
                debug,
                insecureRegistries,
                registryMirrors), BLOCKING);
    }

    @Override
    public CompletableFuture<DiskUsage> diskUsage() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<VolumeUsage> vs = new ArrayList<>();
                for (Volume v : volumes.list()) {
                    vs.add(new VolumeUsage(v, volumes.dir(v.name()), volumes.size(v.name()), volumes.usersOf(v.name()).size()));
                }
                var cs = containers.list(new ContainerViews.Query(true, -1, true, Map.of()));     // as docker ps -a --size
                return new DiskUsage(images.diskUsage(), images.list(), cs, vs, volumes::dir);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, BLOCKING);
    }

    private InfoReport.Counts counts() {
        List<dev.berth.container.Container> all = containers.lifecycle().list();
        int running = (int) all.stream().filter(c -> c.state().running() && !c.state().paused()).count();
        int paused = (int) all.stream().filter(c -> c.state().paused()).count();
        return new InfoReport.Counts(all.size(), running, paused, all.size() - running - paused, images.count());
    }

    private static long openFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            return -1;
        }
    }
}
