package dev.berth.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.errors.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HostConfig's filesystem options as OCI mounts: {@code Binds}, {@code Mounts} (bind and tmpfs),
 * {@code Tmpfs}, {@code ShmSize}, {@code ReadonlyRootfs}. Checked at create (a 400 naming the field),
 * applied at start. Named volumes are not served yet and say so.
 */
public final class MountOptions {

    /** One mount to add: {@code source} null for a tmpfs. */
    public record Mount(String type, String source, String target, List<String> options) {
        public boolean readOnly() {
            return options.contains("ro");
        }

        /** The propagation option of a bind ({@code rprivate} unless told), empty for a tmpfs. */
        public String propagation() {
            return options.stream().filter(PROPAGATIONS::contains).findFirst().orElse("");
        }
    }

    private static final Set<String> PROPAGATIONS = Set.of("private", "rprivate", "shared", "rshared", "slave", "rslave");
    private static final Set<String> BIND_FLAGS = Set.of("ro", "rw", "z", "Z", "nocopy");

    private MountOptions() {}

    /** The mounts the HostConfig asks for, in order; a malformed one is a 400. */
    public static List<Mount> parse(JsonNode hostConfig) {
        List<Mount> out = new ArrayList<>();
        for (JsonNode b : hostConfig.path("Binds")) {
            out.add(bind(b.asText()));
        }
        for (JsonNode m : hostConfig.path("Mounts")) {
            out.add(mount(m));
        }
        var tmpfs = hostConfig.path("Tmpfs").fields();
        while (tmpfs.hasNext()) {
            Map.Entry<String, JsonNode> e = tmpfs.next();
            List<String> options = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
            for (String o : e.getValue().asText("").split(",")) {
                if (!o.isBlank()) {
                    options.add(o.strip());
                }
            }
            out.add(new Mount("tmpfs", null, absolute(e.getKey(), "Tmpfs"), options));
        }
        long shm = hostConfig.path("ShmSize").asLong(0);
        if (shm < 0) {
            throw EngineException.invalid("invalid ShmSize: SHM size can not be less than 0");
        }
        Set<String> targets = new java.util.HashSet<>();
        for (Mount m : out) {
            if (!targets.add(m.target())) {
                throw EngineException.invalid("Duplicate mount point: " + m.target());
            }
        }
        return out;
    }

    /** {@code /host:/container[:ro|rw][,z|Z][,propagation]} */
    private static Mount bind(String spec) {
        String[] parts = spec.split(":");
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw EngineException.invalid("invalid volume specification: '" + spec + "'");
        }
        if (!parts[0].startsWith("/")) {
            throw new EngineException(EngineException.Kind.NOT_IMPLEMENTED,
                    "Berth does not implement named volumes yet (Binds: '" + spec + "'): bind an absolute host path");
        }
        String target = absolute(parts[1], "Binds");
        List<String> options = new ArrayList<>(List.of("rbind"));
        boolean readOnly = false;
        String propagation = "rprivate";
        if (parts.length == 3) {
            for (String o : parts[2].split(",")) {
                if (PROPAGATIONS.contains(o)) {
                    propagation = o;
                } else if (BIND_FLAGS.contains(o)) {
                    readOnly |= o.equals("ro");
                } else {
                    throw EngineException.invalid("invalid volume specification: '" + spec + "': unknown option " + o);
                }
            }
        }
        options.add(readOnly ? "ro" : "rw");
        options.add(propagation);
        return new Mount("bind", Path.of(parts[0]).normalize().toString(), target, options);
    }

    private static Mount mount(JsonNode m) {
        String type = m.path("Type").asText("");
        String target = absolute(m.path("Target").asText(""), "Mounts.Target");
        switch (type) {
            case "bind" -> {
                String source = m.path("Source").asText("");
                if (!source.startsWith("/")) {
                    throw EngineException.invalid("invalid mount config for type \"bind\": invalid mount path: '" + source
                            + "' mount path must be absolute");
                }
                if (!Files.exists(Path.of(source))) {
                    throw EngineException.invalid("invalid mount config for type \"bind\": bind source path does not exist: " + source);
                }
                String propagation = m.path("BindOptions").path("Propagation").asText("");
                if (!propagation.isEmpty() && !PROPAGATIONS.contains(propagation)) {
                    throw EngineException.invalid("invalid mount config: invalid propagation mode: " + propagation);
                }
                return new Mount("bind", source, target, List.of("rbind", m.path("ReadOnly").asBoolean(false) ? "ro" : "rw",
                        propagation.isEmpty() ? "rprivate" : propagation));
            }
            case "tmpfs" -> {
                List<String> options = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
                if (m.path("ReadOnly").asBoolean(false)) {
                    options.add("ro");
                }
                long size = m.path("TmpfsOptions").path("SizeBytes").asLong(0);
                if (size < 0) {
                    throw EngineException.invalid("invalid mount config: invalid tmpfs size: " + size);
                }
                if (size > 0) {
                    options.add("size=" + size);
                }
                int mode = m.path("TmpfsOptions").path("Mode").asInt(0);
                if (mode != 0) {
                    options.add("mode=" + Integer.toOctalString(mode & 07777));
                }
                return new Mount("tmpfs", null, target, options);
            }
            case "volume" -> throw new EngineException(EngineException.Kind.NOT_IMPLEMENTED,
                    "Berth does not implement volume mounts yet (Mounts: " + target + ")");
            default -> throw EngineException.invalid("invalid mount config: mount type unknown: \"" + type + "\"");
        }
    }

    private static String absolute(String target, String field) {
        if (!target.startsWith("/")) {
            throw EngineException.invalid("invalid mount config for " + field + ": invalid mount path: '" + target
                    + "' mount path must be absolute");
        }
        String normal = Path.of(target).normalize().toString();
        if (normal.equals("/")) {
            throw EngineException.invalid("invalid mount config for " + field + ": destination can't be '/'");
        }
        return normal;
    }

    /**
     * Adds the mounts to the spec, replacing a standard mount at the same target (a tmpfs on /dev/shm, say).
     * A missing bind source of {@code Binds} is created as a directory, as dockerd does.
     */
    static void apply(ObjectNode spec, JsonNode hostConfig) throws IOException {
        ArrayNode mounts = (ArrayNode) spec.get("mounts");
        long shm = hostConfig.path("ShmSize").asLong(0);
        if (shm > 0) {
            for (JsonNode m : mounts) {
                if (m.path("destination").asText().equals("/dev/shm")) {
                    ArrayNode options = ((ObjectNode) m).putArray("options");
                    List.of("nosuid", "noexec", "nodev", "mode=1777", "size=" + shm).forEach(options::add);
                }
            }
        }
        if (hostConfig.path("ReadonlyRootfs").asBoolean(false)) {
            ((ObjectNode) spec.get("root")).put("readonly", true);
        }
        for (Mount m : parse(hostConfig)) {
            if (m.source() != null && !Files.exists(Path.of(m.source()))) {
                Files.createDirectories(Path.of(m.source()));
            }
            for (int i = mounts.size() - 1; i >= 0; i--) {
                if (mounts.get(i).path("destination").asText().equals(m.target())) {
                    mounts.remove(i);
                }
            }
            ObjectNode o = mounts.addObject();
            o.put("destination", m.target()).put("type", m.type()).put("source", m.source() == null ? "tmpfs" : m.source());
            ArrayNode options = o.putArray("options");
            m.options().forEach(options::add);
        }
    }
}
