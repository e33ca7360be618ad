package dev.berth.api.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.Json;
import dev.berth.container.Container;
import dev.berth.container.ContainerState;
import dev.berth.container.ContainerViews;
import dev.berth.container.config.ContainerConfig;
import dev.berth.container.config.HostConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /containers/json} with 100 containers, less the HTTP: each container's list entry built and
 * the whole list encoded as JSON, as the route does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ListBench {

    private final List<Container> containers = new ArrayList<>();

    @Setup
    public void containers() throws Exception {
        for (int i = 0; i < 100; i++) {
            ObjectNode config = (ObjectNode) Json.MAPPER.readTree("{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100000\"],"
                    + "\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Labels\":{\"n\":\"" + i + "\"}}");
            ObjectNode hostConfig = (ObjectNode) Json.MAPPER.readTree("{\"NetworkMode\":\"none\",\"Binds\":[\"/tmp:/data:ro\"],"
                    + "\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}}}");
            String id = String.format("%064x", i);
            containers.add(new Container(id, "many" + i, Instant.now().toString(), "busybox", "sha256:" + id,
                    Json.convert(config, ContainerConfig.class), Json.convert(hostConfig, HostConfig.class, "HostConfig"),
                    "sleep", List.of("100000"), ContainerState.created().started(1000 + i, Instant.now().toString(), false), 0, List.of(),
                    Map.of(), Map.of()));
        }
    }

    @Benchmark
    public byte[] listOf100() throws Exception {
        return Json.MAPPER.writeValueAsBytes(containers.stream().map(c -> ContainerResponses.summary(new ContainerViews.Listed(c, Optional.empty(), List.of(), null),
                name -> Path.of("/var/lib/berth/volumes", name))).toList());
    }
}
