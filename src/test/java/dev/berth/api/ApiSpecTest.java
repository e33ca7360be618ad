package dev.berth.api;

import dev.berth.daemon.Berthd;
import dev.berth.monitor.OciRuntimeSelection;
import dev.berth.system.HostFacts;
import dev.berth.system.SystemService;
import dev.berth.testing.ApiSpec;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.berth.image.ImageStore;
import dev.berth.monitor.ConmonRuntime;
import dev.berth.rootfs.RootfsDrivers;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** api-spec/ documents exactly the routes the daemon registers: none missing, none extra. */
class ApiSpecTest {

    @TempDir
    Path dir;

    @Test
    void theSpecListsExactlyTheServedRoutes() throws Exception {
        Vertx vertx = Vertx.vertx(Berthd.vertxOptions(2));
        try {
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            ImageStore images = new ImageStore(dir);
            HostFacts host = HostFacts.read();
            ConmonRuntime monitor = new ConmonRuntime(Path.of("/usr/bin/conmon"), Path.of("/usr/sbin/runc"), dir.resolve("run"), dir.resolve("logs"));
            dev.berth.network.NetworkManager networks = new dev.berth.network.NetworkManager(dir, dir.resolve("run"), java.util.List.of(),
                    dev.berth.events.EventSink.NONE);
            dev.berth.events.EventLog events = new dev.berth.events.EventLog(dir, 1 << 20);
            dev.berth.volume.VolumeManager volumes = new dev.berth.volume.VolumeManager(dir);
            dev.berth.container.Containers containers = dev.berth.container.Containers.open(dir, images, RootfsDrivers.open(dir, "vfs"), monitor, monitor.exitDir(), 1024, networks,
                    volumes, events);
            SystemService system = new SystemService("test", host, dir, OciRuntimeSelection.select(null, false),
                    Optional.empty(), false, images, "vfs", containers, volumes, java.util.List.of(), java.util.List.of());
            ApiRouter api = new ApiRouter(vertx, 1024, null, metrics, Berthd.apiGroups(system, images, host, metrics,
                    containers, networks, volumes, events, "vfs", dev.berth.registry.Distribution.open(images, dir,
                            new dev.berth.image.Platform("linux", "amd64", ""), java.util.List.of(), dir, java.util.List.of()),
                    new dev.berth.build.Builder(dir, containers, images)));
            containers.close();
            networks.close();
            Set<String> served = api.routes().served().stream().map(ApiRoute::toString)
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> documented = ApiSpec.routes();
            Set<String> undocumented = new TreeSet<>(served);
            undocumented.removeAll(documented);
            Set<String> notServed = new TreeSet<>(documented);
            notServed.removeAll(served);
            assertEquals(Set.of(), undocumented, "served but missing from api-spec/berth-api.yaml");
            assertEquals(Set.of(), notServed, "in api-spec/berth-api.yaml but not served");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
