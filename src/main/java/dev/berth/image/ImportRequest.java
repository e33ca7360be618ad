package dev.berth.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.errors.EngineException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code docker import} asks for: an optional name, a commit message, and Dockerfile-style
 * changes ({@code CMD ["sh"]}, {@code ENV A=b}, {@code WORKDIR /x}, ...) applied to the image config.
 */
public record ImportRequest(ImageReference reference, String message, List<String> changes, String architecture) {

    /** The config of the imported image, whose one layer is {@code diffId}. */
    byte[] config(Digest diffId) {
        String now = Instant.now().toString();
        ObjectNode root = ImageConfig.MAPPER.createObjectNode();
        root.put("architecture", architecture);
        root.put("os", "linux");
        root.put("created", now);
        if (message != null && !message.isEmpty()) {
            root.put("comment", message);
        }
        ObjectNode config = root.putObject("config");
        for (String change : changes) {
            apply(config, change.strip());
        }
        root.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(diffId.toString());
        ObjectNode history = root.putArray("history").addObject();
        history.put("created", now);
        history.put("comment", message != null && !message.isEmpty() ? message : "Imported from -");
        try {
            return ImageConfig.MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void apply(ObjectNode config, String change) {
        if (change.isEmpty()) {
            return;
        }
        String[] kv = change.split("\\s+", 2);
        String instruction = kv[0].toUpperCase(java.util.Locale.ROOT);
        String arg = kv.length > 1 ? kv[1].strip() : "";
        switch (instruction) {
            case "CMD" -> config.set("Cmd", command(arg, true));
            case "ENTRYPOINT" -> config.set("Entrypoint", command(arg, true));
            case "WORKDIR" -> config.put("WorkingDir", arg);
            case "USER" -> config.put("User", arg);
            case "STOPSIGNAL" -> config.put("StopSignal", arg);
            case "ENV" -> {
                for (String[] p : pairs(arg, change)) {
                    ImageConfig.setEnv(config, p[0], p[1]);
                }
            }
            case "LABEL" -> {
                ObjectNode labels = config.has("Labels") ? (ObjectNode) config.get("Labels") : config.putObject("Labels");
                for (String[] p : pairs(arg, change)) {
                    labels.put(p[0], p[1]);
                }
            }
            case "EXPOSE" -> {
                ObjectNode ports = config.has("ExposedPorts") ? (ObjectNode) config.get("ExposedPorts") : config.putObject("ExposedPorts");
                for (String port : arg.split("\\s+")) {
                    if (!port.matches("\\d{1,5}(-\\d{1,5})?(/(tcp|udp|sctp))?")) {
                        throw EngineException.invalid("invalid change \"" + change + "\": bad port " + port);
                    }
                    ports.putObject(port.contains("/") ? port : port + "/tcp");
                }
            }
            case "VOLUME" -> {
                ObjectNode volumes = config.has("Volumes") ? (ObjectNode) config.get("Volumes") : config.putObject("Volumes");
                for (var v : command(arg, false)) {
                    volumes.putObject(v.asText());
                }
            }
            default -> throw EngineException.invalid("invalid change \"" + change + "\": " + instruction
                    + " is not one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR");
        }
    }

    /** JSON form {@code ["a","b"]}, else shell form (wrapped in {@code /bin/sh -c} for commands). */
    private static ArrayNode command(String arg, boolean shell) {
        if (arg.startsWith("[")) {
            try {
                var node = ImageConfig.MAPPER.readTree(arg);
                if (node instanceof ArrayNode a) {
                    return a;
                }
            } catch (IOException e) {
                // not JSON: shell form, as Docker treats it
            }
        }
        ArrayNode out = ImageConfig.MAPPER.createArrayNode();
        if (shell) {
            out.add("/bin/sh").add("-c").add(arg);
        } else {
            for (String s : arg.split("\\s+")) {
                out.add(s);
            }
        }
        return out;
    }

    /** {@code K=V K2="v 2"} or the legacy {@code K V}. */
    private static List<String[]> pairs(String arg, String change) {
        List<String[]> out = new ArrayList<>();
        if (!arg.contains("=")) {
            String[] kv = arg.split("\\s+", 2);
            if (kv.length < 2) {
                throw EngineException.invalid("invalid change \"" + change + "\": expected KEY=VALUE");
            }
            out.add(kv);
            return out;
        }
        var m = java.util.regex.Pattern.compile("([^\\s=]+)=(\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S*))").matcher(arg);
        while (m.find()) {
            out.add(new String[] {m.group(1), m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(4)});
        }
        if (out.isEmpty()) {
            throw EngineException.invalid("invalid change \"" + change + "\": expected KEY=VALUE");
        }
        return out;
    }
}
