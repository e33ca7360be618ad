package dev.berth.container.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;
import dev.berth.volume.VolumeDrivers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HostConfig's filesystem options as OCI mounts: {@code Binds} (host paths and volume names),
 * {@code Mounts} (bind, volume, tmpfs), {@code Tmpfs}, {@code ShmSize}, {@code ReadonlyRootfs}.
 * Checked at create (a 400 naming the field), applied at start.
 */
public final class MountOptions {

    /**
     * One mount to add: {@code source} null for a tmpfs, a volume's name for a volume ("" for an anonymous
     * one, named at create).
     */
    public record Mount(String type, String source, String target, List<String> options, VolumeSource volume) {

        public Mount(String type, String source, String target, List<String> options) {
            this(type, source, target, options, null);
        }

        public boolean isVolume() {
            return volume != null;
        }

        /** The same mount of the volume {@code name} (an anonymous one, once named). */
        public Mount named(String name) {
            return new Mount(type, name, target, options, volume);
        }
        public boolean readOnly() {
            return options.contains("ro");
        }

        /** The propagation option of a bind ({@code rprivate} unless told), empty for a tmpfs. */
        public String propagation() {
            return options.stream().filter(PROPAGATIONS::contains).findFirst().orElse("");
        }
    }

    /** What a volume mount asks of its volume: no first fill from the image, and how to make it when missing. */
    public record VolumeSource(boolean noCopy, Map<String, String> driverOptions, Map<String, String> labels) {}

    /** The directory a volume is mounted from at start, filled from the image's {@code content} when new. */
    @FunctionalInterface
    public interface VolumeDirs {
        Path mount(String name, Path content) throws IOException;
    }

    private static final java.util.regex.Pattern VOLUME_NAME = java.util.regex.Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final Set<String> PROPAGATIONS = Set.of("private", "rprivate", "shared", "rshared", "slave", "rslave");
    private static final Set<String> BIND_FLAGS = Set.of("ro", "rw", "z", "Z", "nocopy");

    private MountOptions() {}

    /** The mounts the HostConfig asks for, in order, with {@code inheritedBinds} (VolumesFrom's) after its Binds; a malformed one is a 400. */
    public static List<Mount> parse(HostConfig hostConfig, List<String> inheritedBinds) {
        List<Mount> out = new ArrayList<>();
        for (String b : hostConfig.binds()) {
            out.add(bind(b));
        }
        for (String b : inheritedBinds) {
            out.add(bind(b));
        }
        for (HostConfig.MountSpec m : hostConfig.mounts()) {
            out.add(mount(m));
        }
        for (Map.Entry<String, String> e : hostConfig.tmpfs().entrySet()) {
            List<String> options = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
            for (String o : (e.getValue() == null ? "" : e.getValue()).split(",")) {
                if (!o.isBlank()) {
                    options.add(o.strip());
                }
            }
            out.add(new Mount("tmpfs", null, absolute(e.getKey(), "Tmpfs"), options));
        }
        long shm = hostConfig.shmSize();
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
        String target = absolute(parts[1], "Binds");
        if (!parts[0].startsWith("/")) {
            return volumeBind(spec, parts, target);
        }
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

    /** {@code name:/container[:ro|rw][,nocopy][,z|Z]} */
    private static Mount volumeBind(String spec, String[] parts, String target) {
        volumeName(parts[0]);
        boolean readOnly = false;
        boolean noCopy = false;
        if (parts.length == 3) {
            for (String o : parts[2].split(",")) {
                switch (o) {
                    case "ro" -> readOnly = true;
                    case "nocopy" -> noCopy = true;
                    case "rw", "z", "Z" -> { }
                    default -> throw EngineException.invalid("invalid volume specification: '" + spec + "': invalid mode: " + o);
                }
            }
        }
        return new Mount("volume", parts[0], target, List.of("rbind", readOnly ? "ro" : "rw", "rprivate"),
                new VolumeSource(noCopy, Map.of(), Map.of()));
    }

    /** An anonymous volume at {@code target} ({@code -v /path}, an image's VOLUME), read-write. */
    public static Mount anonymous(String name, String target) {
        return new Mount("volume", name, target, List.of("rbind", "rw", "rprivate"), new VolumeSource(false, Map.of(), Map.of()));
    }

    private static void volumeName(String name) {
        if (!VOLUME_NAME.matcher(name).matches()) {
            throw EngineException.invalid("create " + name + ": \"" + name + "\" includes invalid characters for a local volume name, only "
                    + "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        }
    }

    private static Mount mount(HostConfig.MountSpec m) {
        String type = m.type();
        String target = absolute(m.target(), "Mounts.Target");
        switch (type) {
            case "bind" -> {
                String source = m.source();
                if (!source.startsWith("/")) {
                    throw EngineException.invalid("invalid mount config for type \"bind\": invalid mount path: '" + source
                            + "' mount path must be absolute");
                }
                if (!Files.exists(Path.of(source))) {
                    throw EngineException.invalid("invalid mount config for type \"bind\": bind source path does not exist: " + source);
                }
                String propagation = m.bindOptions() == null ? "" : m.bindOptions().propagation();
                if (!propagation.isEmpty() && !PROPAGATIONS.contains(propagation)) {
                    throw EngineException.invalid("invalid mount config: invalid propagation mode: " + propagation);
                }
                return new Mount("bind", source, target, List.of("rbind", m.readOnly() ? "ro" : "rw",
                        propagation.isEmpty() ? "rprivate" : propagation));
            }
            case "tmpfs" -> {
                List<String> options = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
                if (m.readOnly()) {
                    options.add("ro");
                }
                HostConfig.TmpfsOptions tmpfs = m.tmpfsOptions() == null ? new HostConfig.TmpfsOptions(0, 0) : m.tmpfsOptions();
                long size = tmpfs.sizeBytes();
                if (size < 0) {
                    throw EngineException.invalid("invalid mount config: invalid tmpfs size: " + size);
                }
                if (size > 0) {
                    options.add("size=" + size);
                }
                int mode = tmpfs.mode();
                if (mode != 0) {
                    options.add("mode=" + Integer.toOctalString(mode & 07777));
                }
                return new Mount("tmpfs", null, target, options);
            }
            case "volume" -> {
                String source = m.source();
                if (!source.isEmpty()) {
                    volumeName(source);
                }
                if (m.bindOptions() != null) {
                    throw EngineException.invalid("invalid mount config for type \"volume\": BindOptions must not be specified");
                }
                HostConfig.VolumeOptions vo = m.volumeOptions() == null ? new HostConfig.VolumeOptions(false, null, null, null)
                        : m.volumeOptions();
                if (!vo.subpath().isEmpty()) {
                    throw EngineException.notImplemented("Berth does not implement volume subpaths (Mounts.VolumeOptions.Subpath) yet");
                }
                VolumeDrivers.require(vo.driverConfig().name(), "create", source);
                return new Mount("volume", source, target, List.of("rbind", m.readOnly() ? "ro" : "rw", "rprivate"),
                        new VolumeSource(vo.noCopy(), vo.driverConfig().options(), vo.labels()));
            }
            default -> throw EngineException.invalid("invalid mount config: mount type unknown: \"" + type + "\"");
        }
    }

    public static String absolute(String target, String field) {
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
     * A missing bind source of {@code Binds} is created as a directory, as dockerd does; a volume is bound
     * from its directory, filled from the image's files at the target when new ({@code root}: the mounted rootfs).
     */
    public static void apply(ObjectNode spec, HostConfig hostConfig, List<Mount> all, VolumeDirs volumes, Path root) throws IOException {
        ArrayNode mounts = (ArrayNode) spec.get("mounts");
        long shm = hostConfig.shmSize();
        if (shm > 0) {
            for (JsonNode m : mounts) {
                if (m.path("destination").asText().equals("/dev/shm")) {
                    ArrayNode options = ((ObjectNode) m).putArray("options");
                    List.of("nosuid", "noexec", "nodev", "mode=1777", "size=" + shm).forEach(options::add);
                }
            }
        }
        if (hostConfig.readonlyRootfs()) {
            ((ObjectNode) spec.get("root")).put("readonly", true);
        }
        for (Mount given : all) {
            Mount m = given;
            if (m.isVolume()) {
                Path content = m.volume().noCopy() ? null : dev.berth.rootfs.ScopedPath.resolve(root, m.target());
                m = new Mount("bind", volumes.mount(m.source(), content).toString(), m.target(), m.options());
            } else if (m.source() != null && !Files.exists(Path.of(m.source()))) {
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
