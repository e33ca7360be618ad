package dev.berth.system;

import dev.berth.host.HostFacts;
import dev.berth.runtime.OciRuntimeSelection;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** What /info reports, gathered at the time of the request. */
public record InfoReport(
        String id,
        HostFacts host,
        Path root,
        String storageDriver,
        String cgroupDriver,
        OciRuntimeSelection runtime,
        List<ToolVersion> components,
        Counts counts,
        long openFiles,
        int threads,
        Instant systemTime,
        boolean debug,
        List<String> insecureRegistries,
        List<String> registryMirrors) {

    public record Counts(int containers, int running, int paused, int stopped, int images) {}
}
