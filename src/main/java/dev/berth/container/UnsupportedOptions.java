package dev.berth.container;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Create options Berth does not implement yet: never dropped in silence. What would change how the
 * container runs or is reached (published ports, links, other networks, shared namespaces) is a 501
 * naming the option; what dockerd itself would only warn about, or what leaves the container working
 * (SELinux relabelling without SELinux, volumes an image declares), comes back as a warning.
 */
final class UnsupportedOptions {

    private static final Set<String> NETWORK_MODES = Set.of("", "default", "bridge", "none", "host");

    /** A namespace sharing option and the values Berth serves (the container's own namespace). */
    private record NamespaceMode(String field, String namespace, String flag, Set<String> served) {}

    private static final List<NamespaceMode> NAMESPACE_MODES = List.of(
            new NamespaceMode("PidMode", "PID", "--pid", Set.of("")),
            new NamespaceMode("IpcMode", "IPC", "--ipc", Set.of("", "private", "shareable")),
            new NamespaceMode("UTSMode", "UTS", "--uts", Set.of("")),
            new NamespaceMode("UsernsMode", "user", "--userns", Set.of("", "host")));

    private UnsupportedOptions() {}

    /** @param imageConfig the image's container config ({@code config} of its config blob) */
    static List<String> check(JsonNode config, JsonNode hostConfig, JsonNode imageConfig) {
        if (hostConfig.path("PortBindings").isObject() && hostConfig.path("PortBindings").valueStream().anyMatch(b -> !b.isEmpty() && !b.isNull())) {
            throw missing("published ports (PortBindings, docker run -p)");
        }
        if (hostConfig.path("PublishAllPorts").asBoolean(false)) {
            throw missing("published ports (PublishAllPorts, docker run -P)");
        }
        String network = hostConfig.path("NetworkMode").asText("");
        if (!NETWORK_MODES.contains(network)) {
            throw missing("the network mode " + network + " (Berth runs containers on none, host, or a private network "
                    + "namespace with loopback only)");
        }
        if (hostConfig.path("Links").isArray() && !hostConfig.get("Links").isEmpty()) {
            throw missing("container links (Links, docker run --link)");
        }
        // the CLI names the network it runs on here (bridge, default); any other is a network Berth lacks
        config.path("NetworkingConfig").path("EndpointsConfig").fieldNames().forEachRemaining(name -> {
            if (!NETWORK_MODES.contains(name)) {
                throw missing("the network " + name + " (NetworkingConfig)");
            }
        });
        for (NamespaceMode mode : NAMESPACE_MODES) {
            String value = hostConfig.path(mode.field()).asText("");
            if (!mode.served().contains(value)) {
                throw missing("the " + mode.namespace() + " namespace mode " + value + " (" + mode.field() + ", docker run " + mode.flag() + ")");
            }
        }
        List<String> warnings = new ArrayList<>();
        for (JsonNode bind : hostConfig.path("Binds")) {
            String[] parts = bind.asText("").split(":");
            if (parts.length == 3 && List.of(parts[2].split(",")).stream().anyMatch(o -> o.equals("z") || o.equals("Z"))) {
                warnings.add("SELinux is not enabled on this host: the relabelling option of " + bind.asText() + " was ignored");
            }
        }
        List<String> volumes = new ArrayList<>();
        imageConfig.path("Volumes").fieldNames().forEachRemaining(volumes::add);
        config.path("Volumes").fieldNames().forEachRemaining(v -> {
            if (!volumes.contains(v)) {
                volumes.add(v);
            }
        });
        for (String v : volumes) {
            warnings.add("Berth has no volumes yet: " + v + " is part of the container's own filesystem, not an anonymous volume");
        }
        return warnings;
    }

    private static EngineException missing(String what) {
        return EngineException.notImplemented("Berth does not implement " + what + " yet");
    }
}
