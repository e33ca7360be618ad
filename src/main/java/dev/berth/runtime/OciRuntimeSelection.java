package dev.berth.runtime;

import dev.berth.host.Executables;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which OCI runtime containers run under. crun is the default only where it works: it refuses hybrid
 * cgroup hosts (v1 controllers plus /sys/fs/cgroup/unified), so it is chosen on a pure cgroup v2 host.
 *
 * @param name      the name shown in /info (runc, crun, or the file name of a configured path)
 * @param path      where the binary is, empty when it is not installed
 * @param available every known runtime found on this host, by name
 */
public record OciRuntimeSelection(String name, Optional<Path> path, Map<String, Path> available) {

    private static final List<String> KNOWN = List.of("runc", "crun");

    public static OciRuntimeSelection select(String configured, boolean cgroupV2) {
        Map<String, Path> found = new LinkedHashMap<>();
        for (String name : KNOWN) {
            Executables.find(name).ifPresent(p -> found.put(name, p));
        }
        if (configured != null) {
            Optional<Path> path = Executables.find(configured);
            String name = Path.of(configured).getFileName().toString();
            path.ifPresent(p -> found.put(name, p));
            return new OciRuntimeSelection(name, path, found);
        }
        String name = cgroupV2 && found.containsKey("crun") ? "crun" : found.containsKey("runc") ? "runc"
                : found.keySet().stream().findFirst().orElse("runc");
        return new OciRuntimeSelection(name, Optional.ofNullable(found.get(name)), found);
    }
}
