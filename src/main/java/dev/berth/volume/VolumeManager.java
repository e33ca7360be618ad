package dev.berth.volume;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.errors.EngineException;
import dev.berth.host.AtomicFiles;
import dev.berth.host.EngineJson;
import dev.berth.host.FileTrees;
import dev.berth.host.HostCommand;
import dev.berth.host.Ids;
import dev.berth.host.MountTable;
import dev.berth.host.Posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The volumes of the {@code local} driver, as dockerd's: {@code volumes/<name>/volume.json} (written
 * atomically, after the directory) and the files in {@code volumes/<name>/_data}. A volume with
 * options is mounted on {@code _data} while a container uses it ({@code type=tmpfs}, {@code o=bind},
 * a device), with the host's mount(8), as dockerd's local driver passes them to mount(2).
 */
public final class VolumeManager implements Volumes, ContainerVolumes {

    private static final Logger LOG = Logger.getLogger(VolumeManager.class.getName());
    private static final ObjectMapper JSON = EngineJson.MAPPER;
    private static final String NAME_CHARS = "[a-zA-Z0-9][a-zA-Z0-9_.-]";
    private static final Set<String> OPTIONS = Set.of("type", "o", "device", "size");
    private static final Duration MOUNT_DEADLINE = Duration.ofSeconds(60);

    private final Path dir;
    private final dev.berth.events.EventSink events;
    private final Map<String, Volume> byName = new LinkedHashMap<>();
    /** One preparation (mount, first fill) of a volume at a time. */
    private final Map<String, Object> preparing = new ConcurrentHashMap<>();
    private volatile Users users = new Users() {
        @Override
        public List<String> of(String volume) {
            return List.of();
        }

        @Override
        public boolean running(String volume) {
            return false;
        }
    };

    public VolumeManager(Path root) throws IOException {
        this(root, dev.berth.events.EventSink.NONE);
    }

    public VolumeManager(Path root, dev.berth.events.EventSink events) throws IOException {
        this.events = events;
        this.dir = Files.createDirectories(root.resolve("volumes"));
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path d : entries.filter(Files::isDirectory).toList()) {
                Path meta = d.resolve("volume.json");
                if (d.getFileName().toString().contains(".damaged-")) {
                    continue;
                }
                if (Files.exists(meta)) {
                    try {
                        Volume v = JSON.readValue(meta.toFile(), Volume.class);
                        byName.put(v.name(), v);
                    } catch (IOException | RuntimeException damaged) {
                        // its data is kept, aside, for a person to look at; the other volumes and the daemon go on
                        Path aside = dev.berth.host.AtomicFiles.setAside(d);
                        LOG.warning("damaged volume file " + meta + " (" + damaged.getMessage() + "): the volume was moved to " + aside);
                    }
                } else {
                    FileTrees.delete(d);    // a create cut short: it never answered
                }
            }
        }
    }

    @Override
    public void users(Users users) {
        this.users = users;
    }

    @Override
    public synchronized List<Volume> list() {
        return byName.values().stream().sorted(Comparator.comparing(Volume::name)).toList();
    }

    @Override
    public synchronized Volume get(String name) {
        Volume v = byName.get(name);
        if (v == null) {
            throw EngineException.notFound("get " + name + ": no such volume");
        }
        return v;
    }

    /** The containers that use it (ids). */
    @Override
    public List<String> usersOf(String name) {
        return users.of(name);
    }

    @Override
    public Path dir(String name) {
        return dir.resolve(name).resolve("_data");
    }

    @Override
    public void check(VolumeCreate request) {
        String name = request.name();
        VolumeDrivers.require(request.driver(), "create", name);
        if (!name.isEmpty()) {
            if (name.length() < 2) {
                throw EngineException.invalid("create " + name + ": volume name is too short, names should be at least two alphanumeric characters");
            }
            if (!name.matches(NAME_CHARS + "+")) {
                throw EngineException.invalid("create " + name + ": \"" + name + "\" includes invalid characters for a local volume name, only \""
                        + NAME_CHARS + "\" are allowed. If you intended to pass a host directory, use absolute path");
            }
        }
        Map<String, String> o = request.options();
        for (String key : o.keySet()) {
            if (!OPTIONS.contains(key)) {
                throw EngineException.invalid("create " + name + ": invalid option: \"" + key + "\"");
            }
        }
        if (o.containsKey("size")) {
            throw EngineException.invalid("create " + name + ": quota size requested but no quota support");
        }
        for (var required : Map.of("device", List.of("type"), "type", List.of("device"), "o", List.of("device", "type")).entrySet()) {
            if (o.containsKey(required.getKey())) {
                for (String r : required.getValue()) {
                    if (!o.containsKey(r)) {
                        throw EngineException.invalid("create " + name + ": missing required option: \"" + r + "\"");
                    }
                }
            }
        }
    }

    @Override
    public synchronized Volume create(VolumeCreate request) throws IOException {
        check(request);
        if (!request.name().isEmpty() && byName.containsKey(request.name())) {
            return byName.get(request.name());     // as dockerd: the one there is, as it is
        }
        Map<String, String> labels = new LinkedHashMap<>(request.labels());
        String name = request.name();
        if (name.isEmpty()) {
            name = Ids.random();
            labels.put(Volume.ANONYMOUS_LABEL, "");
        }
        Volume v = new Volume(name, "local", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(), Map.copyOf(labels), Map.copyOf(request.options()));
        Path d = dir.resolve(name);
        Files.createDirectories(d.resolve("_data"));
        AtomicFiles.write(d.resolve("volume.json"), JSON.writeValueAsBytes(v));
        byName.put(name, v);
        events.emit("volume", "create", name, Map.of("driver", "local"));
        return v;
    }

    /** {@code docker volume rm}: a 409 naming the containers while any uses it; {@code force} ignores a missing one. */
    @Override
    public void remove(String name, boolean force) throws IOException {
        Volume v;
        synchronized (this) {
            v = byName.get(name);
            if (v == null) {
                if (force) {
                    return;
                }
                throw EngineException.notFound("get " + name + ": no such volume");
            }
            List<String> using = users.of(name);
            if (!using.isEmpty()) {
                throw EngineException.conflict("remove " + name + ": volume is in use - [" + String.join(", ", using) + "]");
            }
            byName.remove(name);
        }
        delete(v);
    }

    private void delete(Volume v) throws IOException {
        Path d = dir.resolve(v.name());
        if (MountTable.isMountPoint(d.resolve("_data"))) {
            Posix.unmount(d.resolve("_data"));
        }
        Files.deleteIfExists(d.resolve("volume.json"));      // first: a crash midway leaves a dir the next start removes
        FileTrees.delete(d);
        preparing.remove(v.name());
        events.emit("volume", "destroy", v.name(), Map.of("driver", "local"));
    }

    /** {@code docker volume prune}: unused volumes without options of their own that {@code which} accepts. */
    @Override
    public Pruned prune(Predicate<Volume> which) throws IOException {
        List<String> removed = new ArrayList<>();
        long space = 0;
        for (Volume v : list()) {
            if (v.mounted() || !which.test(v) || !users.of(v.name()).isEmpty()) {
                continue;
            }
            long size = size(v.name());
            try {
                remove(v.name(), false);
                removed.add(v.name());
                space += size;
            } catch (EngineException inUseMeanwhile) {
                LOG.fine("prune: " + inUseMeanwhile.getMessage());
            }
        }
        return new Pruned(removed, space);
    }

    /** The bytes its files take (a mounted device's included while it is mounted). */
    @Override
    public long size(String name) throws IOException {
        Path d = dir(name);
        return Files.isDirectory(d) ? FileTrees.size(d) : 0;
    }

    @Override
    public Path mount(String name, Path content) throws IOException {
        Volume v = get(name);
        Path data = dir(name);
        synchronized (preparing.computeIfAbsent(name, k -> new Object())) {
            if (v.mounted() && !MountTable.isMountPoint(data)) {
                Map<String, String> o = v.options();
                List<String> command = new ArrayList<>(List.of("mount", "-t", o.get("type")));
                if (o.containsKey("o") && !o.get("o").isEmpty()) {
                    command.addAll(List.of("-o", o.get("o")));
                }
                command.addAll(List.of(o.get("device"), data.toString()));
                HostCommand.Result r = HostCommand.run(command, Map.of(), new byte[0], MOUNT_DEADLINE);
                if (!r.ok()) {
                    throw EngineException.invalid("error while mounting volume '" + data + "': failed to mount local volume: "
                            + (r.stderr() + r.stdout()).strip());
                }
            }
            if (content != null && Files.isDirectory(content) && isEmpty(data)) {
                // the image's files at the mount point, owners, modes, xattrs and links kept, as dockerd fills a new volume
                HostCommand.Result r = HostCommand.run(List.of("cp", "-a", "--", content + "/.", data + "/"), Map.of(), new byte[0],
                        Duration.ofMinutes(10));
                if (!r.ok()) {
                    throw new IOException("filling volume " + name + " from the image: " + (r.stderr() + r.stdout()).strip());
                }
            }
        }
        return data;
    }

    private static boolean isEmpty(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.findAny().isEmpty();
        }
    }

    @Override
    public void release(String name) {
        Volume v;
        synchronized (this) {
            v = byName.get(name);
        }
        if (v == null || !v.mounted()) {
            return;
        }
        synchronized (preparing.computeIfAbsent(name, k -> new Object())) {
            try {
                if (!users.running(name) && MountTable.isMountPoint(dir(name))) {
                    Posix.unmount(dir(name));
                }
            } catch (IOException e) {
                LOG.warning("unmounting volume " + name + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void removeAnonymous(String name) {
        Volume v;
        synchronized (this) {
            v = byName.get(name);
        }
        if (v == null || !v.anonymous()) {
            return;
        }
        try {
            remove(name, true);
        } catch (EngineException stillUsed) {
            LOG.fine("keeping volume " + name + ": " + stillUsed.getMessage());
        } catch (IOException e) {
            LOG.warning("removing volume " + name + ": " + e.getMessage());
        }
    }
}
