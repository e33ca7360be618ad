package dev.berth.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.host.EngineJson;
import dev.berth.host.HostCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs CNI plugins by the CNI exec protocol (spec 1.0): the command, container, namespace and interface
 * in the environment, the plugin's network configuration on stdin, the result or error on stdout. A
 * chain's ADD passes each plugin's result to the next as {@code prevResult}; its DEL runs in reverse.
 */
final class Cni {

    static final String VERSION = "1.0.0";
    private static final ObjectMapper JSON = EngineJson.MAPPER;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final List<Path> PLUGIN_DIRS = List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"), Path.of("/usr/libexec/cni"));

    /** Where an ADD or DEL happens: the container, its network namespace and the interface inside it. */
    record Target(String containerId, Path netns, String ifname) {}

    private final Path pluginDir;

    private Cni(Path pluginDir) {
        this.pluginDir = pluginDir;
    }

    /** The plugins of Debian's containernetworking-plugins (or of /opt/cni/bin), if installed. */
    static Optional<Cni> find() {
        return PLUGIN_DIRS.stream().filter(d -> Files.isExecutable(d.resolve("bridge"))).findFirst().map(Cni::new);
    }

    /**
     * ADD through the chain; the last plugin's result. A failing plugin undoes the chain so far (DEL in
     * reverse), so that nothing is left half made.
     */
    JsonNode add(String networkName, List<ObjectNode> plugins, Target target) throws IOException {
        JsonNode result = null;
        List<ObjectNode> done = new ArrayList<>();
        for (ObjectNode plugin : plugins) {
            ObjectNode conf = conf(networkName, plugin, result);
            try {
                result = run("ADD", conf, target);
            } catch (IOException e) {
                try {
                    del(networkName, done, target, result);
                } catch (IOException undo) {
                    e.addSuppressed(undo);
                }
                throw e;
            }
            done.add(plugin);
        }
        return result;
    }

    /** DEL through the chain in reverse; every plugin runs even when one fails, and the first failure is thrown after. */
    void del(String networkName, List<ObjectNode> pluginsInAddOrder, Target target, JsonNode prevResult) throws IOException {
        IOException first = null;
        for (ObjectNode plugin : pluginsInAddOrder.reversed()) {
            try {
                run("DEL", conf(networkName, plugin, prevResult), target);
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static ObjectNode conf(String networkName, ObjectNode plugin, JsonNode prevResult) {
        ObjectNode conf = plugin.deepCopy();
        conf.put("cniVersion", VERSION).put("name", networkName);
        if (prevResult != null) {
            conf.set("prevResult", prevResult);
        }
        return conf;
    }

    private JsonNode run(String command, ObjectNode conf, Target target) throws IOException {
        String type = conf.path("type").asText();
        Path plugin = pluginDir.resolve(type);
        if (!Files.isExecutable(plugin)) {
            throw new IOException("the CNI plugin " + type + " is missing from " + pluginDir + " (install containernetworking-plugins)");
        }
        Map<String, String> env = Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", target.containerId(),
                "CNI_NETNS", target.netns().toString(), "CNI_IFNAME", target.ifname(), "CNI_PATH", pluginDir.toString());
        HostCommand.Result r = HostCommand.run(List.of(plugin.toString()), env, JSON.writeValueAsBytes(conf), DEADLINE);
        if (!r.ok()) {
            throw new IOException("CNI plugin " + type + " failed on " + command + ": " + error(r));
        }
        return command.equals("ADD") ? JSON.readTree(r.stdout()) : null;
    }

    /** The error the plugin reported ({@code {"code", "msg", "details"}}), else what it printed. */
    private static String error(HostCommand.Result r) {
        try {
            JsonNode e = JSON.readTree(r.stdout());
            if (e != null && e.has("msg")) {
                String details = e.path("details").asText("");
                return e.get("msg").asText() + (details.isEmpty() ? "" : ": " + details);
            }
        } catch (IOException notJson) {
            // fall through to the raw output
        }
        return Stream.of(r.stdout(), r.stderr()).map(String::strip).filter(s -> !s.isEmpty()).reduce((a, b) -> a + " " + b)
                .orElse("exit code " + r.exitCode());
    }
}
