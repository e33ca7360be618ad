package dev.berth.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.store.EngineJson;
import dev.berth.errors.EngineException;
import dev.berth.image.Image;
import dev.berth.image.ImageStore;
import dev.berth.monitor.OciRuntime;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.rootfs.ScopedPath;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The container lifecycle: create, start, stop, kill, wait, remove, over the image store, a root
 * filesystem driver and the monitored OCI runtime. Exits are learnt from conmon's exit files through
 * inotify (a WatchService), and the state is persisted on every change, so a restarted daemon finds its
 * containers, running ones included, where it left them. Blocking: call off the event loop.
 */
public final class ContainerEngine implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ContainerEngine.class.getName());
    private static final ObjectMapper JSON = EngineJson.MAPPER;
    private static final Pattern NAME = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");

    /** What a wait asks for ({@code condition=}). */
    public enum WaitCondition { NOT_RUNNING, NEXT_EXIT, REMOVED }

    private final ContainerStore store;
    private final ImageStore images;
    private final RootfsDriver rootfs;
    private final OciRuntime runtime;
    private final long nofileHardLimit;
    private final ResourceOptions.Host host = ResourceOptions.Host.current();
    private final Map<String, Container> containers = new LinkedHashMap<>();
    private final Map<String, List<CompletableFuture<Integer>>> exitWaiters = new LinkedHashMap<>();
    private final Map<String, List<CompletableFuture<Integer>>> removeWaiters = new LinkedHashMap<>();
    private final Map<String, List<CompletableFuture<dev.berth.monitor.AttachSocket>>> pendingAttaches = new LinkedHashMap<>();
    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, Thread> pendingRestarts = new LinkedHashMap<>();
    private final TransitionLocks transitions = new TransitionLocks();
    /** Completed when a container's exit file appears: what a stop or kill holding the container's lock waits for. */
    private final Map<String, CompletableFuture<Void>> exitFiles = new java.util.concurrent.ConcurrentHashMap<>();
    /** Exits are recorded and cleaned up here, not on the watcher's thread, so a burst of exits cannot hold it up. */
    private final java.util.concurrent.ExecutorService exitWork = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    private final MonitorWatch monitors = new MonitorWatch(this::monitorDied);
    private final Map<String, java.time.Duration> restartDelays = new java.util.concurrent.ConcurrentHashMap<>();
    private final WatchService watcher;
    private final Thread watchThread;

    public ContainerEngine(Path root, ImageStore images, RootfsDriver rootfs, OciRuntime runtime, Path exitDir,
                           long nofileHardLimit) throws IOException {
        this.store = new ContainerStore(root);
        this.images = images;
        this.rootfs = rootfs;
        this.runtime = runtime;
        this.nofileHardLimit = nofileHardLimit;
        this.watcher = FileSystems.getDefault().newWatchService();
        exitDir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        for (Container c : store.loadAll()) {
            containers.put(c.id(), c);
        }
        reconcile();
        restartAtDaemonStart();
        watchThread = Thread.ofPlatform().daemon().name("exit-watcher").start(this::watchExits);
        rescanExits();  // what exited between the reconciling and the watch
    }

    // ---- queries ----

    public synchronized Container get(String ref) {
        String r = ref.startsWith("/") ? ref.substring(1) : ref;
        Container exact = containers.get(r);
        if (exact != null) {
            return exact;
        }
        for (Container c : containers.values()) {
            if (c.name().equals(r)) {
                return c;
            }
        }
        List<Container> byPrefix = containers.values().stream().filter(c -> c.id().startsWith(r)).toList();
        if (byPrefix.size() == 1 && !r.isEmpty()) {
            return byPrefix.getFirst();
        }
        if (byPrefix.size() > 1) {
            throw EngineException.invalid("multiple IDs found with provided prefix: " + r);
        }
        throw EngineException.notFound("No such container: " + ref);
    }

    /** Newest first. */
    public synchronized List<Container> list() {
        List<Container> out = new ArrayList<>(containers.values());
        out.sort(Comparator.comparing(Container::created).reversed());
        return out;
    }

    /** A container made from this image, if any: such an image cannot be deleted. */
    public synchronized java.util.Optional<String> userOf(dev.berth.image.Digest imageId) {
        return containers.values().stream().filter(c -> c.imageId().equals(imageId.toString())).map(Container::id).findFirst();
    }

    // ---- lifecycle ----

    /** A new container and what of its request the host cannot honour fully. */
    public record Created(Container container, List<String> warnings) {}

    public Created create(ObjectNode request, String requestedName) throws IOException {
        String imageName = request.path("Image").asText("");
        if (imageName.isEmpty()) {
            throw EngineException.invalid("no image specified (Image)");
        }
        Image image = images.get(imageName);
        String id = newId();
        List<String> args = ContainerSpec.args(request, image.config());
        List<String> env = ContainerSpec.env(request, image.config());
        String hostname = request.path("Hostname").asText("").isEmpty() ? id.substring(0, 12) : request.get("Hostname").asText();
        ObjectNode hostConfig = request.path("HostConfig").isObject() ? ((ObjectNode) request.get("HostConfig")).deepCopy()
                : JSON.createObjectNode();
        if (!hostConfig.hasNonNull("NetworkMode") || hostConfig.get("NetworkMode").asText().isEmpty()) {
            hostConfig.put("NetworkMode", "default");
        }
        String runtimeName = hostConfig.path("Runtime").asText("");
        if (!runtimeName.isEmpty() && !runtimeName.equals(runtime.name())) {
            throw EngineException.invalid("Unknown runtime specified " + runtimeName + " (Berth runs " + runtime.name() + ")");
        }
        hostConfig.put("Runtime", runtime.name());
        if (!RestartPolicy.of(hostConfig).none() && hostConfig.path("AutoRemove").asBoolean(false)) {
            throw EngineException.invalid("conflicting options: cannot specify both --restart and --rm");
        }
        String workingDir = request.path("WorkingDir").asText("");
        if (!workingDir.isEmpty() && !workingDir.startsWith("/")) {
            throw EngineException.invalid("the working directory '" + workingDir + "' is invalid, it needs to be an absolute path");
        }
        // conmon keeps the log, and the logs endpoint serves it as dockerd's json-file driver does (follow,
        // tail, since, until): clients such as docker-py read output through logs only for that driver
        List<String> warnings = new ArrayList<>(LogOptions.validate(hostConfig));
        warnings.addAll(UnsupportedOptions.check(request, hostConfig, image.config().containerConfig()));
        List<String> inherited = volumesFrom(hostConfig);
        MountOptions.parse(hostConfig);
        warnings.addAll(SecurityOptions.validate(hostConfig));
        warnings.addAll(ResourceOptions.validate(hostConfig, host));
        HostFiles.validate(hostConfig);
        if (hostConfig.path("Init").asBoolean(false) && initBinary().isEmpty()) {
            throw EngineException.invalid("Init: no init binary found (install catatonit or tini)");
        }
        ObjectNode config = ContainerSpec.mergedConfig(request, image.config(), imageName, hostname, env,
                ContainerSpec.given(request.path("Entrypoint")) ? List.of() : ContainerSpec.strings(image.config().containerConfig().path("Cmd")));
        HealthCheck.of(config);
        Container c;
        synchronized (this) {
            String name = name(requestedName, id);
            c = new Container(id, name, Instant.now().toString(), imageName, image.id().toString(), config, hostConfig,
                    args.getFirst(), List.copyOf(args.subList(1, args.size())), ContainerState.created(), 0, inherited);
            containers.put(id, c);      // the name is taken from now on
        }
        try {
            persist(id);
        } catch (IOException e) {
            synchronized (this) {
                containers.remove(id);
            }
            throw e;
        }
        return new Created(c, warnings);
    }

    /**
     * {@code VolumesFrom: ["name[:ro|:rw]"]}: the bind mounts of those containers (their own and what they
     * inherited), copied now as dockerd does, read-only or read-write when told, else as they are. A target
     * the container mounts itself stays its own.
     */
    private List<String> volumesFrom(ObjectNode hostConfig) {
        List<String> out = new ArrayList<>();
        java.util.Set<String> taken = new java.util.HashSet<>();
        MountOptions.parse(hostConfig).forEach(m -> taken.add(m.target()));
        for (JsonNode entry : hostConfig.path("VolumesFrom")) {
            String[] parts = entry.asText("").split(":");
            if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && !parts[1].matches("ro|rw"))) {
                throw EngineException.invalid("invalid VolumesFrom: '" + entry.asText() + "' (expected a container name, and :ro or :rw)");
            }
            Container source;
            try {
                source = get(parts[0]);
            } catch (EngineException e) {
                // a 400, not a 404: the CLI takes a 404 from create for a missing image and pulls
                throw EngineException.invalid("invalid VolumesFrom: " + e.getMessage());
            }
            for (MountOptions.Mount m : MountOptions.parse(source.mountConfig())) {
                if (m.type().equals("bind") && taken.add(m.target())) {
                    String mode = parts.length == 2 ? parts[1] : m.readOnly() ? "ro" : "rw";
                    out.add(m.source() + ":" + m.target() + ":" + mode + "," + m.propagation());
                }
            }
        }
        return List.copyOf(out);
    }

    /** The init process for {@code Init: true}: catatonit (podman's) or tini, from the host. */
    private static java.util.Optional<Path> initBinary() {
        return java.util.stream.Stream.of("/usr/bin/catatonit", "/usr/libexec/podman/catatonit", "/usr/bin/tini-static", "/usr/bin/tini")
                .map(Path::of).filter(Files::isExecutable).findFirst();
    }

    private String name(String requested, String id) {
        if (requested == null || requested.isEmpty()) {
            String generated;
            do {
                generated = NameGenerator.next();
            } while (nameOwner(generated) != null);
            return generated;
        }
        if (!NAME.matcher(requested).matches()) {
            throw EngineException.invalid("Invalid container name (" + requested + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        String name = requested.startsWith("/") ? requested.substring(1) : requested;
        String owner = nameOwner(name);
        if (owner != null) {
            throw EngineException.conflict("Conflict. The container name \"/" + name + "\" is already in use by container \""
                    + owner + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        return name;
    }

    private String nameOwner(String name) {
        return containers.values().stream().filter(c -> c.name().equals(name)).map(Container::id).findFirst().orElse(null);
    }

    /**
     * Starts a created or exited container; false when it was running already (304). A start through the
     * API begins its restart policy afresh: RestartCount back to 0, a pending restart happens now.
     */
    public boolean start(String ref) throws IOException {
        String id = get(ref).id();
        return transitions.with(id, () -> {
            if (current(id).state().running()) {
                return false;       // running, or started by a parallel request that came first: one wins, as with dockerd
            }
            cancelRestart(id);
            restartDelays.remove(id);
            update(id, x -> x.withRestartCount(0));
            launch(id);
            return true;
        });
    }

    /**
     * The container as it is now, for a transition holding its lock: it may have been removed while the
     * transition waited for the lock. An exit that happened but was not recorded yet is recorded first.
     */
    private Container current(String id) throws IOException {
        Container c;
        synchronized (this) {
            c = containers.get(id);
        }
        if (c == null) {
            throw EngineException.notFound("No such container: " + id);
        }
        if (c.state().running() && runtime.exitCode(runtime.paths(id)).isPresent()) {
            exited(id);
            return current(id);
        }
        return c;
    }

    /** Mounts, creates and starts a container that has no process; the caller holds its transition lock. */
    private void launch(String id) throws IOException {
        Container c = current(id);
        try {
            Image image = images.get(c.imageId());
            Path root = rootfs.mount(id, image.config().diffIds().stream().map(images::layerPath).toList());
            ObjectNode spec = spec(c, root);
            OciRuntime.Paths paths = runtime.paths(id);
            Files.createDirectories(paths.bundle());
            Files.write(paths.bundle().resolve("config.json"), JSON.writeValueAsBytes(spec));
            Files.deleteIfExists(paths.exitFile());
            // dockerd keeps a terminal's stdin open when an attached client leaves, and a StdinOnce container's not
            boolean leaveStdinOpen = c.tty() || !c.config().path("StdinOnce").asBoolean(false);
            long pid = runtime.create(id, new OciRuntime.Stdio(c.tty(), c.config().path("OpenStdin").asBoolean(false),
                    leaveStdinOpen), LogOptions.policy(c.hostConfig())).pid();
            runtime.monitor(id).ifPresent(m -> monitors.watch(id, m));
            connectPendingAttaches(id);     // before start: a process that prints and exits at once loses nothing
            runtime.start(id);
            update(id, s -> s.withState(s.state().started(pid, Instant.now().toString(), HealthCheck.of(s.config()).isPresent())));
            fire(id, "start");
            // a process that ends at once may have written its exit file before it counted as running,
            // when the watcher had to ignore it: look once more, now that it does
            exited(id);
        } catch (IOException | RuntimeException e) {
            cleanupRuntime(id);
            update(id, s -> s.withState(s.state().failed(e.getMessage())));
            if (c.autoRemove()) {
                delete(id);     // as dockerd: docker run --rm waits for the removal, also after a failed start
            }
            throw e instanceof EngineException ee ? ee : new EngineException(EngineException.Kind.INVALID_ARGUMENT, e.getMessage(), e);
        }
    }

    private ObjectNode spec(Container c, Path root) throws IOException {
        int[] ug = ContainerSpec.user(c.config().path("User").asText(""), root);
        String cwd = c.config().path("WorkingDir").asText("");
        cwd = cwd.startsWith("/") ? cwd : "/" + cwd;    // an image's relative WorkingDir counts from /, as in dockerd
        ScopedPath.createDirectories(root, cwd);
        List<String> args = new ArrayList<>();
        args.add(c.path());
        args.addAll(c.args());
        var process = new OciSpecBuilder.Process(args, ContainerSpec.strings(c.config().path("Env")), cwd, ug[0], ug[1], List.of(),
                c.tty());
        boolean hostNet = c.hostConfig().path("NetworkMode").asText("").equals("host");
        ObjectNode spec = OciSpecBuilder.build(process, root, c.config().path("Hostname").asText(), nofileHardLimit,
                "/berth/" + c.id(), hostNet);
        JsonNode consoleSize = c.hostConfig().path("ConsoleSize");
        if (c.tty() && consoleSize.size() == 2 && consoleSize.get(0).asInt() > 0 && consoleSize.get(1).asInt() > 0) {
            ((ObjectNode) spec.get("process")).putObject("consoleSize")
                    .put("height", consoleSize.get(0).asInt()).put("width", consoleSize.get(1).asInt());
        }
        Path dir = store.dir(c.id());
        HostFiles.write(dir, c.config(), c.hostConfig());
        OciSpecBuilder.bind(spec, dir.resolve("hostname"), "/etc/hostname", false);
        OciSpecBuilder.bind(spec, dir.resolve("hosts"), "/etc/hosts", false);
        OciSpecBuilder.bind(spec, dir.resolve("resolv.conf"), "/etc/resolv.conf", false);
        String domain = c.config().path("Domainname").asText("");
        if (!domain.isEmpty()) {
            // runc before 1.2 ignores the spec's domainname; the UTS namespace's sysctl works with every version
            spec.put("domainname", domain);
            ((ObjectNode) spec.get("linux")).withObjectProperty("sysctl").put("kernel.domainname", domain);
        }
        MountOptions.apply(spec, c.mountConfig());
        SecurityOptions.apply(spec, c.hostConfig(), root);
        ResourceOptions.apply(spec, c.hostConfig(), host, c.id());
        if (c.hostConfig().path("Init").asBoolean(false)) {
            Path init = initBinary().orElseThrow(() -> EngineException.invalid("Init: no init binary found (install catatonit or tini)"));
            OciSpecBuilder.bind(spec, init, "/sbin/docker-init", true);
            ArrayNode argv = ((ObjectNode) spec.get("process")).putArray("args");
            argv.add("/sbin/docker-init").add("--");
            args.forEach(argv::add);
        }
        return spec;
    }

    /**
     * Attaches to the container's stdio: at once when it runs, else when it next starts (docker run
     * attaches before it starts the container). Completes with the connected socket.
     */
    public CompletableFuture<dev.berth.monitor.AttachSocket> attach(String ref) throws IOException {
        Container c = get(ref);
        CompletableFuture<dev.berth.monitor.AttachSocket> f = new CompletableFuture<>();
        synchronized (this) {
            if (!containers.get(c.id()).state().running()) {
                enlist(pendingAttaches, c.id(), f);
                return f;
            }
        }
        f.complete(dev.berth.monitor.AttachSocket.connect(runtime.paths(c.id()).bundle().resolve("attach")));
        return f;
    }

    private void connectPendingAttaches(String id) {
        List<CompletableFuture<dev.berth.monitor.AttachSocket>> pending;
        synchronized (this) {
            pending = pendingAttaches.remove(id);
        }
        if (pending == null) {
            return;
        }
        for (var f : pending) {
            if (f.isCancelled()) {
                continue;
            }
            try {
                f.complete(dev.berth.monitor.AttachSocket.connect(runtime.paths(id).bundle().resolve("attach")));
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        }
    }

    /** Resizes a running container's terminal (conmon's ctl FIFO). */
    public void resize(String ref, int height, int width) throws IOException {
        Container c = get(ref);
        if (!c.state().running()) {
            throw EngineException.conflict("Container " + c.id() + " is not running");
        }
        if (c.tty()) {
            runtime.resize(runtime.paths(c.id()), height, width);
        }
    }

    /** Freezes a running container's processes ({@code docker pause}) or thaws them. */
    public void pause(String ref, boolean frozen) throws IOException {
        String id = get(ref).id();
        transitions.with(id, () -> {
            ContainerState s = current(id).state();
            if (!s.running()) {
                throw EngineException.conflict("Container " + id + " is not running");
            }
            if (s.paused() == frozen) {
                throw EngineException.conflict("Container " + id + (frozen ? " is already paused" : " is not paused"));
            }
            runtime.freeze(id, frozen);
            update(id, x -> x.withState(x.state().paused(frozen)));
            return null;
        });
    }

    /** Thaws a paused container so that a signal can reach its processes. */
    private void thaw(Container c) {
        if (c.state().paused()) {
            try {
                runtime.freeze(c.id(), false);
                update(c.id(), x -> x.withState(x.state().paused(false)));
            } catch (IOException e) {
                LOG.fine("resume " + c.id() + ": " + e.getMessage());
            }
        }
    }

    public void rename(String ref, String newName) {
        Container c = get(ref);
        if (newName == null || newName.isEmpty()) {
            throw EngineException.invalid("Neither old nor new names may be empty");
        }
        synchronized (this) {
            String name = name(newName, c.id());
            containers.computeIfPresent(c.id(), (k, x) -> x.withName(name));     // taken at once, saved outside the lock
        }
        try {
            persist(c.id());
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "cannot save container " + c.id() + ": " + e.getMessage(), e);
        }
    }

    /** What {@code docker update} may change: the cgroup limits and the restart policy. */
    private static final List<String> UPDATABLE = List.of("Memory", "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares",
            "CpuQuota", "CpuPeriod", "CpusetCpus", "CpusetMems", "PidsLimit", "BlkioWeight", "RestartPolicy");

    /**
     * {@code docker update}: the fields set (zero or empty ones mean unchanged, as with dockerd) replace the
     * container's, checked as at create, and a running container's cgroup follows at once. Answers the warnings.
     */
    public List<String> update(String ref, ObjectNode changes) throws IOException {
        Container c = get(ref);
        ObjectNode hc = c.hostConfig().deepCopy();
        for (var field : changes.properties()) {
            if (!ContainerSpec.isSet(field.getValue())) {
                continue;
            }
            if (!UPDATABLE.contains(field.getKey())) {
                throw EngineException.invalid(field.getKey() + " cannot be changed by an update (only "
                        + String.join(", ", UPDATABLE) + ")");
            }
            hc.set(field.getKey(), field.getValue());
        }
        if (!RestartPolicy.of(hc).none() && hc.path("AutoRemove").asBoolean(false)) {
            throw EngineException.invalid("Restart policy cannot be updated because AutoRemove is enabled for the container");
        }
        List<String> warnings = ResourceOptions.validate(hc, host);
        // saved first, so that a start meanwhile runs with the new limits; runc outside the engine's lock
        ObjectNode before = c.hostConfig();
        transitions.with(c.id(), () -> {
            update(c.id(), x -> x.withHostConfig(hc));
            if (current(c.id()).state().running()) {
                try {
                    runtime.update(c.id(), JSON.writeValueAsBytes(ResourceOptions.resources(hc, host, c.id())));
                } catch (IOException | RuntimeException e) {
                    update(c.id(), x -> x.withHostConfig(before));
                    throw e;
                }
            }
            return null;
        });
        return warnings;
    }

    /** {@code docker top}: the container's processes as the host's ps shows them, with {@code psArgs} (default -ef). */
    public List<List<String>> top(String ref, String psArgs) throws IOException {
        Container c = get(ref);
        if (!c.state().running()) {
            throw EngineException.conflict("Container " + c.id() + " is not running");
        }
        return ProcessTable.of(runtime.pids(c.id()), psArgs == null || psArgs.isEmpty() ? "-ef" : psArgs);
    }

    /** A stats sample in Docker's shape ({@code GET /containers/{id}/stats}); zeroes while it is not running. */
    public ObjectNode stats(String ref) {
        Container c = get(ref);
        ObjectNode s = ContainerStats.sample(c.state().running() ? c.state().pid() : 0);
        s.put("name", "/" + c.name());
        s.put("id", c.id());
        return s;
    }

    /** Hears of containers' lifecycle events, as Docker names them: start, die, destroy. */
    public interface Listener {
        void on(String id, String action);
    }

    public void listen(Listener listener) {
        listeners.add(listener);
    }

    private void fire(String id, String action) {
        for (Listener l : listeners) {
            try {
                l.on(id, action);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, action + " listener for " + id + ": " + e.getMessage(), e);
            }
        }
    }

    /** A health probe's outcome, for a container that still runs with its check. */
    void recordHealth(String id, java.util.function.UnaryOperator<Health> change) {
        update(id, x -> x.state().running() && x.state().health() != null
                ? x.withState(x.state().withHealth(change.apply(x.state().health()))) : x);
    }

    /** Sends a signal; SIGKILL (the default) returns once the container has exited, as with dockerd. */
    public void kill(String ref, String signal) throws IOException {
        String id = get(ref).id();
        int sig = Signals.parse(signal == null || signal.isEmpty() ? "KILL" : signal);
        transitions.with(id, () -> {
            Container c = current(id);
            if (stopRestarting(id)) {
                return null;
            }
            if (!c.state().running()) {
                throw EngineException.conflict("Cannot kill container: " + ref + ": container " + id + " is not running");
            }
            if (c.state().paused()) {
                throw EngineException.conflict("Cannot kill container " + id + ": Container " + id
                        + " is paused. Unpause the container before stopping or killing");
            }
            update(id, x -> x.withState(x.state().stoppedByUser()));
            CompletableFuture<Void> exit = exitFile(id);
            runtime.kill(id, sig);
            if (sig == 9) {
                awaitExit(id, exit, KILL_GRACE);
            }
            return null;
        });
    }

    /** How long a SIGKILLed process may take to be reaped. */
    private static final java.time.Duration KILL_GRACE = java.time.Duration.ofSeconds(30);

    /** A stop or kill of a container waiting to restart: it stays down, as after a stop. Holding its lock. */
    private boolean stopRestarting(String id) {
        synchronized (this) {
            if (!containers.get(id).state().restarting()) {
                return false;
            }
        }
        cancelRestart(id);
        update(id, x -> x.withState(x.state().stoppedByUser()));
        return true;
    }

    /** A future completed when the container's exit file appears (at once when it is there). */
    private CompletableFuture<Void> exitFile(String id) throws IOException {
        CompletableFuture<Void> f = exitFiles.computeIfAbsent(id, k -> new CompletableFuture<>());
        if (runtime.exitCode(runtime.paths(id)).isPresent()) {
            f.complete(null);
        }
        return f;
    }

    /**
     * Waits, holding the container's lock, until its process has exited, then records the exit (and does
     * what follows it: cleanup, auto-removal, restart policy); fails when it does not exit in time.
     */
    private boolean awaitExit(String id, CompletableFuture<Void> exit, java.time.Duration timeout) throws IOException {
        try {
            exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + id + " to exit", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        } finally {
            exitFiles.remove(id, exit);
        }
        settleExit(id);
        return true;
    }

    /**
     * The container's process ended, or its monitor died: records the exit from the exit file, or, with no
     * exit file and no monitor left to write one, kills what is left and records that. Holding its lock.
     */
    private void settleExit(String id) throws IOException {
        if (runtime.exitCode(runtime.paths(id)).isPresent()) {
            exited(id);
            return;
        }
        Container c;
        synchronized (this) {
            c = containers.get(id);
        }
        if (c == null || !c.state().running() || runtime.monitor(id).isPresent()) {
            return;
        }
        try {
            runtime.kill(id, 9);
        } catch (IOException gone) {
            LOG.fine("SIGKILL after the monitor died: " + gone.getMessage());
        }
        recordExit(id, c, 137, Instant.now().toString(), false,
                "the container's monitor (conmon) died: the container was killed");
    }

    /** A watched monitor is gone: wakes a transition waiting for the exit, then settles it. */
    private void monitorDied(String id) {
        CompletableFuture<Void> waiting = exitFiles.get(id);
        if (waiting != null) {
            waiting.complete(null);
        }
        exitWork.execute(() -> {
            try {
                transitions.with(id, () -> {
                    settleExit(id);
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "after the monitor of " + id + " died: " + e.getMessage(), e);
            }
        });
    }

    /** StopSignal, then SIGKILL after the timeout; false when it was not running (304). */
    public boolean stop(String ref, Integer timeoutSeconds) throws IOException {
        String id = get(ref).id();
        return transitions.with(id, () -> {
            Container c = current(id);
            if (stopRestarting(id)) {
                return true;
            }
            if (!c.state().running()) {
                return false;
            }
            update(id, x -> x.withState(x.state().stoppedByUser()));
            CompletableFuture<Void> exit = exitFile(id);
            thaw(c);
            String stopSignal = c.config().path("StopSignal").asText("");
            int timeout = timeoutSeconds != null ? timeoutSeconds : c.config().path("StopTimeout").asInt(10);
            try {
                runtime.kill(id, Signals.parse(stopSignal.isEmpty() ? "TERM" : stopSignal));
            } catch (IOException e) {
                LOG.fine("stop signal: " + e.getMessage());
            }
            if (!awaitExit(id, exit, java.time.Duration.ofSeconds(Math.max(0, timeout)))) {
                killAndAwait(id);
            }
            return true;
        });
    }

    /** SIGKILL, then the exit recorded; holding the container's lock. */
    private void killAndAwait(String id) throws IOException {
        CompletableFuture<Void> exit = exitFile(id);
        try {
            runtime.kill(id, 9);
        } catch (IOException gone) {
            LOG.fine("SIGKILL: " + gone.getMessage());
        }
        if (!awaitExit(id, exit, KILL_GRACE)) {
            throw new IOException("container " + id + " did not exit within " + KILL_GRACE.toSeconds() + "s of SIGKILL");
        }
    }

    /** A stop and a start as one transition: nothing else happens to the container in between. */
    public void restart(String ref, Integer timeoutSeconds) throws IOException {
        String id = get(ref).id();
        transitions.with(id, () -> {
            stop(id, timeoutSeconds);
            start(id);
            return null;
        });
    }

    /** Completes with the exit code once the condition holds. */
    public synchronized CompletableFuture<Integer> waitFor(String ref, WaitCondition condition) {
        Container c = get(ref);
        CompletableFuture<Integer> f = new CompletableFuture<>();
        if (condition == WaitCondition.NOT_RUNNING && !c.state().running()) {
            f.complete(c.state().exitCode());
            return f;
        }
        enlist(condition == WaitCondition.REMOVED ? removeWaiters : exitWaiters, c.id(), f);
        return f;
    }

    /** Adds a waiter to a container's list; one cancelled by its client (who hung up) leaves the list at once. */
    private synchronized <T> void enlist(Map<String, List<CompletableFuture<T>>> waiters, String id, CompletableFuture<T> f) {
        waiters.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
        f.whenComplete((v, e) -> {
            if (f.isCancelled()) {
                synchronized (this) {
                    List<CompletableFuture<T>> list = waiters.get(id);
                    if (list != null && list.remove(f) && list.isEmpty()) {
                        waiters.remove(id);
                    }
                }
            }
        });
    }

    public void remove(String ref, boolean force) throws IOException {
        String id = get(ref).id();
        transitions.with(id, () -> {
            Container c = current(id);
            if (c.state().restarting() && !force) {
                throw EngineException.conflict("You cannot remove a restarting container " + id
                        + ". Stop the container before attempting removal or force remove");
            }
            if (c.state().running()) {
                if (!force) {
                    throw EngineException.conflict("You cannot remove a running container " + id
                            + ". Stop the container before attempting removal or force remove");
                }
                update(id, x -> x.withState(x.state().stoppedByUser()));
                thaw(c);
                killAndAwait(id);
            }
            delete(id);
            return null;
        });
    }

    /** What a prune removed: the containers and the bytes their changes took. */
    public record Pruned(List<String> ids, long spaceReclaimed) {}

    /** {@code docker container prune}: removes the stopped (created, exited, dead) containers that {@code which} accepts. */
    public Pruned prune(java.util.function.Predicate<Container> which) throws IOException {
        List<String> ids = new ArrayList<>();
        long space = 0;
        for (Container c : list()) {
            ContainerState s = c.state();
            if (s.running() || s.restarting() || !which.test(c)) {
                continue;
            }
            long size = rootfs.changesSize(c.id());
            boolean removed = transitions.with(c.id(), () -> {
                synchronized (this) {
                    Container now = containers.get(c.id());
                    if (now == null || now.state().running() || now.state().restarting()) {
                        return false;   // removed or started meanwhile
                    }
                }
                delete(c.id());
                return true;
            });
            if (removed) {
                ids.add(c.id());
                space += size;
            }
        }
        return new Pruned(ids, space);
    }

    /** Removes a container that has no process; the caller holds its transition lock. */
    private void delete(String id) throws IOException {
        cancelRestart(id);
        restartDelays.remove(id);
        if (Files.exists(runtime.paths(id).bundle())) {
            cleanupRuntime(id);     // else the exit's cleanup has run: a second runc delete costs a run --rm ~10 ms
        }
        rootfs.remove(id);
        int code;
        synchronized (this) {
            Container c = containers.remove(id);
            if (c == null) {
                return;
            }
            code = c.state().exitCode();
            List<CompletableFuture<Integer>> waiters = removeWaiters.remove(id);
            if (waiters != null) {
                waiters.forEach(w -> w.complete(code));
            }
            List<CompletableFuture<dev.berth.monitor.AttachSocket>> attaches = pendingAttaches.remove(id);
            if (attaches != null) {
                attaches.forEach(a -> a.completeExceptionally(EngineException.notFound("container " + id + " was removed")));
            }
            List<CompletableFuture<Integer>> exits = exitWaiters.remove(id);
            if (exits != null) {
                exits.forEach(w -> w.complete(code));
            }
        }
        persist(id);    // gone from the map: its files go
        Files.deleteIfExists(runtime.paths(id).log());
        transitions.forget(id);
        fire(id, "destroy");
    }

    private void cleanupRuntime(String id) {
        try {
            runtime.delete(id);
        } catch (IOException e) {
            LOG.fine("runtime delete " + id + ": " + e.getMessage());
        }
        try {
            rootfs.unmount(id);
        } catch (IOException e) {
            LOG.warning("unmount " + id + ": " + e.getMessage());
        }
    }

    // ---- exits ----

    private void watchExits() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                for (var event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        rescanExits();      // events were lost: look at every running container's exit file
                    } else if (event.context() instanceof Path p) {
                        exitFileAppeared(p.getFileName().toString());
                    }
                }
                key.reset();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closing
        }
    }

    private void rescanExits() {
        for (Container c : list()) {
            try {
                if (c.state().running() && runtime.exitCode(runtime.paths(c.id())).isPresent()) {
                    exitFileAppeared(c.id());
                }
            } catch (IOException | RuntimeException e) {
                LOG.fine("exit file of " + c.id() + ": " + e.getMessage());
            }
        }
    }

    /** Wakes a transition waiting for this exit, and records it elsewhere (it waits for that transition). */
    private void exitFileAppeared(String id) {
        CompletableFuture<Void> waiting = exitFiles.get(id);
        if (waiting != null) {
            waiting.complete(null);
        }
        exitWork.execute(() -> {
            try {
                transitions.with(id, () -> {
                    synchronized (this) {
                        if (!containers.containsKey(id)) {
                            return null;
                        }
                    }
                    exited(id);
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "recording the exit of " + id + ": " + e.getMessage(), e);
            }
        });
    }

    /**
     * Records the exit of a container whose exit file is there, releases the runtime's hold, then wakes
     * the waiters and applies auto-removal or the restart policy; nothing when it was recorded already.
     * The caller holds the container's transition lock.
     */
    private void exited(String id) {
        OptionalInt code;
        try {
            code = runtime.exitCode(runtime.paths(id));
        } catch (IOException | NumberFormatException e) {
            return;     // still being written: the MODIFY event brings us back
        }
        Container c;
        synchronized (this) {
            c = containers.get(id);
        }
        if (c == null || code.isEmpty() || !c.state().running()) {
            return;
        }
        recordExit(id, c, code.getAsInt(), finishedAt(runtime.paths(id).exitFile()), Files.exists(runtime.paths(id).oomFile()), "");
    }

    /** Records an exit, releases the runtime's hold, then wakes the waiters and applies auto-removal or the restart policy. */
    private void recordExit(String id, Container c, int exitCode, String finishedAt, boolean oom, String error) {
        monitors.forget(id);
        update(id, s -> s.withState(s.state().exited(exitCode, finishedAt, oom).withError(error)));
        fire(id, "die");
        cleanupRuntime(id);
        boolean restart = RestartPolicy.of(c.hostConfig()).restarts(exitCode, c.restartCount(), c.state().manuallyStopped(), false);
        if (restart) {
            scheduleRestart(id);    // before the waiters wake: a remove right after the wait sees it restarting
        }
        List<CompletableFuture<Integer>> waiters;
        synchronized (this) {
            waiters = exitWaiters.remove(id);
        }
        if (waiters != null) {
            waiters.forEach(w -> w.complete(exitCode));
        }
        if (!restart && c.autoRemove()) {
            try {
                delete(id);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "auto-removing " + id + ": " + e.getMessage(), e);
            }
        }
    }

    /** When the process ended: the exit file's time (conmon writes it then), which also holds for exits while the daemon was away. */
    private static String finishedAt(Path exitFile) {
        try {
            return Files.getLastModifiedTime(exitFile).toInstant().toString();
        } catch (IOException e) {
            return Instant.now().toString();
        }
    }

    /** At start-up: containers that ended while the daemon was away get their exit recorded. */
    private void reconcile() {
        for (Container c : List.copyOf(containers.values())) {
            if (!c.state().running()) {
                continue;
            }
            try {
                if (runtime.exitCode(runtime.paths(c.id())).isPresent()) {
                    transitions.with(c.id(), () -> {
                        exited(c.id());
                        return null;
                    });
                } else if (!Files.isDirectory(runtime.paths(c.id()).bundle()) || !Files.exists(Path.of("/proc/" + c.state().pid()))) {
                    // gone without an exit file: the host rebooted (the runroot is empty), or the runroot was removed
                    // under a running container, or its process was killed with its monitor. In the last two cases
                    // processes may live on, out of reach: they are killed, never left to run beside a second instance.
                    List<ProcessHandle> left = runtime.leftovers(c.id());
                    if (!left.isEmpty()) {
                        LOG.warning("container " + c.id() + ": its runtime state is gone but " + left.size()
                                + " of its processes live on; killing them");
                        left.forEach(ProcessHandle::destroyForcibly);
                        awaitGone(left);
                    }
                    String error = left.isEmpty() ? "" : "its runtime state was lost while it ran: its processes were killed";
                    update(c.id(), s -> s.withState(s.state().exited(255, Instant.now().toString(), false).withError(error)));
                    cleanupRuntime(c.id());
                } else {
                    transitions.with(c.id(), () -> {
                        runtime.monitor(c.id()).ifPresentOrElse(m -> monitors.watch(c.id(), m), () -> {
                            try {
                                settleExit(c.id());     // its monitor died while the daemon was away
                            } catch (IOException e) {
                                LOG.warning("reconciling " + c.id() + ": " + e.getMessage());
                            }
                        });
                        return null;
                    });
                }
            } catch (IOException e) {
                LOG.warning("reconciling " + c.id() + ": " + e.getMessage());
            }
        }
    }

    private static void awaitGone(List<ProcessHandle> processes) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (processes.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- restart policies ----

    /** Brings the container back after its back-off; it shows as restarting meanwhile. */
    private void scheduleRestart(String id) {
        Container c;
        synchronized (this) {
            c = containers.get(id);
            if (c == null || pendingRestarts.containsKey(id)) {
                return;
            }
        }
        java.time.Duration ranFor;
        try {
            ranFor = java.time.Duration.between(Instant.parse(c.state().startedAt()), Instant.parse(c.state().finishedAt()));
        } catch (RuntimeException e) {
            ranFor = java.time.Duration.ZERO;
        }
        java.time.Duration delay = RestartPolicy.nextDelay(restartDelays.get(id), ranFor);
        restartDelays.put(id, delay);
        update(id, x -> x.withState(x.state().restarting(true)));
        Thread t = Thread.ofVirtual().name("restart-" + id.substring(0, 12)).unstarted(() -> restartNow(id, delay));
        synchronized (this) {
            pendingRestarts.put(id, t);
        }
        t.start();
    }

    private void restartNow(String id, java.time.Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException cancelled) {
            return;
        }
        try {
            transitions.with(id, () -> {
                synchronized (this) {
                    // called off (stop, kill, start, remove) while this waited: nothing to do
                    if (!pendingRestarts.remove(id, Thread.currentThread()) || !containers.get(id).state().restarting()) {
                        return null;
                    }
                }
                update(id, x -> x.withRestartCount(x.restartCount() + 1));
                launch(id);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            LOG.warning("restarting " + id + " failed: " + e.getMessage());
        }
    }

    /** A pending restart is called off; the container counts as exited. The caller holds its transition lock. */
    private void cancelRestart(String id) {
        Container c;
        synchronized (this) {
            Thread t = pendingRestarts.remove(id);
            if (t != null) {
                t.interrupt();
            }
            c = containers.get(id);
        }
        if (c != null && c.state().restarting()) {
            update(id, x -> x.withState(x.state().restarting(false)));
        }
    }

    /**
     * At start-up, after the reconciling: containers whose policy wants them running (after a host reboot,
     * or one that was restarting when the daemon went) start again, {@code always} even when stopped by hand.
     */
    private synchronized void restartAtDaemonStart() {
        for (Container c : List.copyOf(containers.values())) {
            ContainerState s = c.state();
            boolean down = s.status().equals("exited") || s.restarting();
            if (down && !s.startedAt().equals(ContainerState.ZERO_TIME) && !pendingRestarts.containsKey(c.id())
                    && RestartPolicy.of(c.hostConfig()).restarts(s.exitCode(), c.restartCount(), s.manuallyStopped(), true)) {
                scheduleRestart(c.id());
            } else if (s.restarting() && !pendingRestarts.containsKey(c.id())) {
                update(c.id(), x -> x.withState(x.state().restarting(false)));  // no longer wanted back: exited
            }
        }
    }

    private interface Change {
        Container apply(Container c);
    }

    /** Changes the container in memory, then saves it outside the engine's lock. */
    private void update(String id, Change change) {
        synchronized (this) {
            Container c = containers.get(id);
            if (c == null) {
                return;
            }
            containers.put(id, change.apply(c));
        }
        try {
            persist(id);
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "cannot save container " + id + ": " + e.getMessage(), e);
        }
    }

    /** Writes the container's newest state (or, once it is removed, deletes its files). */
    private void persist(String id) throws IOException {
        store.save(id, () -> {
            synchronized (this) {
                return containers.get(id);
            }
        });
    }

    /** A new 64-hex-digit id, for containers and exec sessions. */
    static String newId() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        watchThread.interrupt();
        monitors.close();
        exitWork.shutdown();
    }
}
