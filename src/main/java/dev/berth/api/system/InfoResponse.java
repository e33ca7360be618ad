package dev.berth.api.system;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.system.BuildInfo;
import dev.berth.system.ToolVersion;
import dev.berth.system.InfoReport;

import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /info}, in Docker's shape. */
record InfoResponse(
        @JsonProperty("ID") String id,
        int containers,
        int containersRunning,
        int containersPaused,
        int containersStopped,
        int images,
        String driver,
        List<List<String>> driverStatus,
        Map<String, List<String>> plugins,
        boolean memoryLimit,
        boolean swapLimit,
        boolean cpuCfsPeriod,
        boolean cpuCfsQuota,
        @JsonProperty("CPUShares") boolean cpuShares,
        @JsonProperty("CPUSet") boolean cpuSet,
        boolean pidsLimit,
        boolean oomKillDisable,
        @JsonProperty("IPv4Forwarding") boolean ipv4Forwarding,
        boolean debug,
        @JsonProperty("NFd") long nfd,
        @JsonProperty("NGoroutines") int ngoroutines,
        String systemTime,
        String loggingDriver,
        String cgroupDriver,
        String cgroupVersion,
        @JsonProperty("NEventsListener") int neventsListener,
        String kernelVersion,
        String operatingSystem,
        @JsonProperty("OSVersion") String osVersion,
        @JsonProperty("OSType") String osType,
        String architecture,
        @JsonProperty("NCPU") int ncpu,
        long memTotal,
        String indexServerAddress,
        RegistryConfig registryConfig,
        String dockerRootDir,
        String name,
        List<String> labels,
        boolean experimentalBuild,
        String serverVersion,
        Map<String, Map<String, String>> runtimes,
        String defaultRuntime,
        Swarm swarm,
        boolean liveRestoreEnabled,
        String isolation,
        String initBinary,
        Commit containerdCommit,
        Commit runcCommit,
        Commit initCommit,
        List<String> securityOptions,
        List<String> warnings) {

    record Commit(@JsonProperty("ID") String id, String expected) {}

    /** Where the daemon pulls from, as Docker's /info shows it. */
    record RegistryConfig(@JsonProperty("InsecureRegistryCIDRs") List<String> insecureRegistryCidrs,
                          Map<String, IndexInfo> indexConfigs, List<String> mirrors) {}

    record IndexInfo(String name, List<String> mirrors, boolean secure, boolean official) {}

    private static RegistryConfig registryConfig(List<String> insecure, List<String> mirrors) {
        Map<String, IndexInfo> indexes = new LinkedHashMap<>();
        indexes.put("docker.io", new IndexInfo("docker.io", mirrors, true, true));
        insecure.stream().filter(h -> !h.contains("/")).forEach(h -> indexes.put(h, new IndexInfo(h, List.of(), false, false)));
        return new RegistryConfig(dev.berth.registry.RegistryTransport.insecureCidrs(insecure), indexes, mirrors);
    }

    record Swarm(@JsonProperty("NodeID") String nodeId, String nodeAddr, String localNodeState,
                 boolean controlAvailable, String error) {}

    static InfoResponse of(InfoReport r) {
        Map<String, Map<String, String>> runtimes = new LinkedHashMap<>();
        r.runtime().available().forEach((name, path) -> runtimes.put(name, Map.of("path", path.toString())));
        var host = r.host();
        var cg = host.cgroups();
        return new InfoResponse(
                r.id(),
                r.counts().containers(), r.counts().running(), r.counts().paused(), r.counts().stopped(),
                r.counts().images(),
                r.storageDriver(),
                List.of(),
                // the drivers a user can name: network and log drivers as dockerd lists them ("null" is --network none)
                Map.of("Volume", List.of("local"), "Network", List.of("bridge", "host", "null"), "Log", List.of("json-file", "local")),
                cg.memory(), cg.swap(), cg.cpuCfs(), cg.cpuCfs(), cg.cpuShares(), cg.cpuset(), cg.pids(), cg.oomKillDisable(),
                host.ipv4Forwarding(),
                r.debug(),
                r.openFiles(),
                r.threads(),
                DateTimeFormatter.ISO_INSTANT.format(r.systemTime()),
                "json-file",
                r.cgroupDriver(),
                host.cgroupVersion(),
                0,
                host.kernelVersion(),
                host.operatingSystem(),
                host.osVersion(),
                "linux",
                host.architecture(),
                host.ncpu(),
                host.memTotal(),
                "https://index.docker.io/v1/",
                registryConfig(r.insecureRegistries(), r.registryMirrors()),
                r.root().toString(),
                host.hostname(),
                List.of(),
                false,
                BuildInfo.CURRENT.version(),
                runtimes,
                r.runtime().name(),
                new Swarm("", "", "inactive", false, ""),
                true,
                "",
                "",
                new Commit("", ""),
                new Commit(runtimeCommit(r), runtimeCommit(r)),
                new Commit("", ""),
                host.seccomp() ? List.of("name=seccomp,profile=builtin") : List.of(),
                warnings(r));
    }

    private static String runtimeCommit(InfoReport r) {
        return r.components().stream().filter(t -> t.name().equals(r.runtime().name()))
                .map(ToolVersion::commit).findFirst().orElse("");
    }

    private static List<String> warnings(InfoReport r) {
        if (r.runtime().path().isEmpty()) {
            return List.of("WARNING: OCI runtime " + r.runtime().name() + " is not installed: containers cannot run");
        }
        return List.of();
    }
}
