package dev.berth.api;

import dev.berth.daemon.Berthd;
import dev.berth.daemon.DaemonConfig;
import dev.berth.daemon.DaemonGraph;
import dev.berth.daemon.Options;
import dev.berth.host.HostFacts;
import dev.berth.runtime.OciRuntimeSelection;
import dev.berth.testing.ApiSpec;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
            Files.writeString(dir.resolve("berth.json"), "{}");
            DaemonConfig config = ((Options.Parsed.Run) Options.parse(new String[] {"--config", dir.resolve("berth.json").toString(),
                    "--root", dir.toString(), "--runroot", dir.resolve("run").toString(), "--storage-driver", "vfs"})).config();
            ApiRouter api;
            try (DaemonGraph graph = DaemonGraph.open(config, HostFacts.read(),
                    new OciRuntimeSelection("runc", Optional.of(Path.of("/usr/sbin/runc")), Map.of()), Path.of("/usr/bin/conmon"))) {
                api = new ApiRouter(vertx, 1024, null, metrics, graph.apiGroups(metrics));
            }
            Set<String> served = api.routes().served().stream().map(RouteTemplate::toString)
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
