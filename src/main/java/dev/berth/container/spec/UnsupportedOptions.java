package dev.berth.container.spec;

import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Create options Berth does not implement yet: never dropped in silence. What would change how the
 * container runs (sharing another container's PID, IPC or UTS namespace) is a 501 naming the option;
 * what dockerd itself would only warn about, or what leaves the container working (SELinux relabelling
 * without SELinux), comes back as a warning.
 */
public final class UnsupportedOptions {

    /** A namespace sharing option and the values Berth serves (the container's own namespace). */
    private record NamespaceMode(String field, java.util.function.Function<HostConfig, String> value, String namespace, String flag,
                                 Set<String> served) {}

    private static final List<NamespaceMode> NAMESPACE_MODES = List.of(
            new NamespaceMode("PidMode", HostConfig::pidMode, "PID", "--pid", Set.of("")),
            new NamespaceMode("IpcMode", HostConfig::ipcMode, "IPC", "--ipc", Set.of("", "private", "shareable")),
            new NamespaceMode("UTSMode", HostConfig::utsMode, "UTS", "--uts", Set.of("")),
            new NamespaceMode("UsernsMode", HostConfig::usernsMode, "user", "--userns", Set.of("", "host")));

    private UnsupportedOptions() {}

    public static List<String> check(HostConfig hostConfig) {
        for (NamespaceMode mode : NAMESPACE_MODES) {
            String value = mode.value().apply(hostConfig);
            if (!mode.served().contains(value)) {
                throw missing("the " + mode.namespace() + " namespace mode " + value + " (" + mode.field() + ", docker run " + mode.flag() + ")");
            }
        }
        List<String> warnings = new ArrayList<>();
        for (String bind : hostConfig.binds()) {
            String[] parts = bind.split(":");
            if (parts.length == 3 && List.of(parts[2].split(",")).stream().anyMatch(o -> o.equals("z") || o.equals("Z"))) {
                warnings.add("SELinux is not enabled on this host: the relabelling option of " + bind + " was ignored");
            }
        }
        return warnings;
    }

    private static EngineException missing(String what) {
        return EngineException.notImplemented("Berth does not implement " + what + " yet");
    }
}
