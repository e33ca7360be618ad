package dev.berth.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.errors.EngineException;
import dev.berth.image.Image;
import dev.berth.image.ImageStore;
import dev.berth.monitor.AttachSocket;
import dev.berth.monitor.OciRuntime;
import dev.berth.network.Attachment;
import dev.berth.network.ContainerNetworks;
import dev.berth.network.EndpointRequest;
import dev.berth.network.Network;
import dev.berth.network.Sandbox;
import dev.berth.network.SandboxRequest;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.store.EngineJson;
import dev.berth.volume.ContainerVolumes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The container lifecycle: create, start, stop, kill, restart, wait, remove, pause, update, over the
 * image store, a root filesystem driver and the monitored OCI runtime. It is the facade over the parts
 * that do the work: the {@link ContainerRegistry} (containers and names, saved on every change), the
 * {@link ContainerFactory} (create requests checked and merged), {@link RuntimeSpecs} (the OCI spec),
 * the {@link ExitMonitor} (exits and dead monitors), the {@link RestartManager} (restart policies) and
 * {@link Waiters} (waits and attaches). Each container's transitions run one at a time
 * ({@link TransitionLocks}). Blocking: call off the event loop.
 */
public final class ContainerEngine implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ContainerEngine.class.getName());
    private static final ObjectMapper JSON = EngineJson.MAPPER;
    /** How long a SIGKILLed process may take to be reaped. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(30);

    /** What a wait asks for ({@code condition=}). */
    public enum WaitCondition { NOT_RUNNING, NEXT_EXIT, REMOVED }

    /** A new container and what of its request the host cannot honour fully. */
    public record Created(Container container, List<String> warnings) {}

    /** What a prune removed: the containers and the bytes their changes took. */
    public record Pruned(List<String> ids, long spaceReclaimed) {}

    /** Where a container's output log and its own files (hostname, hosts, resolv.conf) are, as inspect shows them. */
    public record ContainerPaths(Path log, Path dir) {}

    /** Hears of containers' lifecycle events, as Docker names them: start, die, destroy. */
    public interface Listener {
        void on(String id, String action);
    }

    private final ImageStore images;
    private final RootfsDriver rootfs;
    private final OciRuntime runtime;
    private final ResourceOptions.Host host = ResourceOptions.Host.current();
    private final ContainerRegistry registry;
    private final ContainerFactory factory;
    private final RuntimeSpecs specs;
    private final TransitionLocks transitions = new TransitionLocks();
    private final Waiters waiters = new Waiters();
    private final RestartManager restarts;
    private final ExitMonitor exits;
    private final LogRotator logRotator;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ContainerNetworks networks;
    private final ContainerVolumes volumes;
    private final FileAccess files;
    private final dev.berth.events.EventSink events;

    public ContainerEngine(Path root, ImageStore images, RootfsDriver rootfs, OciRuntime runtime, Path exitDir,
                           long nofileHardLimit, ContainerNetworks networks, ContainerVolumes volumes,
                           dev.berth.events.EventSink events) throws IOException {
        this.events = events;
        this.networks = networks;
        this.volumes = volumes;
        this.images = images;
        this.rootfs = rootfs;
        this.runtime = runtime;
        this.registry = new ContainerRegistry(root);
        this.factory = new ContainerFactory(images, registry, runtime.name(), host, networks, volumes);
        this.specs = new RuntimeSpecs(registry, nofileHardLimit, host, volumes);
        this.files = new FileAccess(registry, transitions, rootfs, images, volumes, runtime);
        volumes.users(new ContainerVolumes.Users() {
            @Override
            public List<String> of(String volume) {
                return registry.list().stream().filter(c -> c.volumeNames().contains(volume)).map(Container::id).toList();
            }

            @Override
            public boolean running(String volume) {
                return registry.list().stream().anyMatch(c -> c.state().running() && c.volumeNames().contains(volume));
            }
        });
        this.restarts = new RestartManager(registry, transitions, this::launch);
        this.exits = new ExitMonitor(exitDir, runtime, registry::list, this::settleLocked);
        reconcile();
        restarts.atDaemonStart();
        exits.start();
        this.logRotator = new LogRotator(registry::list, runtime);
    }

    // ---- queries ----

    public Container get(String ref) {
        return registry.get(ref);
    }

    /** Newest first. */
    public List<Container> list() {
        return registry.list();
    }

    /** What the image store must know of the containers made from its images. */
    public dev.berth.image.ImageUsers imageUsers() {
        return new dev.berth.image.ImageUsers() {
            @Override
            public Optional<User> of(dev.berth.image.Digest image) {
                return registry.userOf(image.toString()).map(c -> new User(c.id(), c.state().running() || c.state().restarting()));
            }

            @Override
            public java.util.Set<dev.berth.image.Digest> images() {
                return registry.imageIds().stream().filter(dev.berth.image.Digest::isDigest).map(dev.berth.image.Digest::parse)
                        .collect(java.util.stream.Collectors.toSet());
            }
        };
    }

    public ContainerPaths paths(String ref) {
        Container c = get(ref);
        return new ContainerPaths(runtime.paths(c.id()).log(), registry.dir(c.id()));
    }

    // ---- lifecycle ----

    public Created create(ContainerCreate request) throws IOException {
        String id = newId();
        ContainerFactory.Made made = factory.make(request, id);
        try {
            Created created = new Created(registry.add(id, request.name(), made.named()), made.warnings());
            fire(created.container(), id, "create", Map.of());
            return created;
        } catch (IOException | RuntimeException e) {
            made.named().apply("").anonymousVolumes().values().forEach(volumes::removeAnonymous);
            throw e;
        }
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
            restarts.cancel(id);
            restarts.reset(id);
            registry.update(id, x -> x.withRestartCount(0));
            launch(id);
            return true;
        });
    }

    /**
     * The container as it is now, for a transition holding its lock: it may have been removed while the
     * transition waited for the lock. An exit that happened but was not recorded yet is recorded first.
     */
    private Container current(String id) throws IOException {
        Container c = registry.find(id);
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
            Path root = rootfs.mount(id, images.containerLayers(c.imageId()));
            ObjectNode spec = specs.spec(c, root, network(c));
            OciRuntime.Paths paths = runtime.paths(id);
            Files.createDirectories(paths.bundle());
            Files.write(paths.bundle().resolve("config.json"), JSON.writeValueAsBytes(spec));
            Files.deleteIfExists(paths.exitFile());
            // dockerd keeps a terminal's stdin open when an attached client leaves, and a StdinOnce container's not
            boolean leaveStdinOpen = c.tty() || !c.config().stdinOnce();
            long pid = runtime.create(id, new OciRuntime.Stdio(c.tty(), c.config().openStdin(),
                    leaveStdinOpen), LogOptions.policy(c.hostConfig())).pid();
            runtime.monitor(id).ifPresent(m -> exits.watchMonitor(id, m));
            connectWaitingAttaches(id);     // before start: a process that prints and exits at once loses nothing
            runtime.start(id);
            registry.update(id, s -> s.withState(s.state().started(pid, Instant.now().toString(), HealthCheck.of(s.config()).isPresent())));
            volumeEvents(c, "mount");
            fire(id, "start");
            // a process that ends at once may have written its exit file before it counted as running,
            // when the watcher had to ignore it: look once more, now that it does
            exited(id);
        } catch (IOException | RuntimeException e) {
            cleanupRuntime(id);
            registry.update(id, s -> s.withState(s.state().failed(e.getMessage())));
            if (c.autoRemove()) {
                delete(id, true);     // as dockerd: docker run --rm waits for the removal, also after a failed start
            }
            throw e instanceof EngineException ee ? ee : new EngineException(EngineException.Kind.INVALID_ARGUMENT, e.getMessage(), e);
        }
    }

    /**
     * Attaches to the container's stdio: at once when it runs, else when it next starts (docker run
     * attaches before it starts the container). Completes with the connected socket.
     */
    public CompletableFuture<AttachSocket> attach(String ref) throws IOException {
        Container c = get(ref);
        if (!c.state().running()) {
            CompletableFuture<AttachSocket> waiting = waiters.start(c.id());
            Container now = registry.find(c.id());
            if (now == null) {
                waiting.cancel(false);
                throw EngineException.notFound("No such container: " + ref);
            }
            if (!now.state().running()) {
                fire(now, now.id(), "attach", Map.of());
                return waiting;
            }
            waiting.cancel(false);      // it started meanwhile
        }
        AttachSocket socket = AttachSocket.connect(runtime.paths(c.id()).bundle().resolve("attach"));
        fire(c, c.id(), "attach", Map.of());
        return CompletableFuture.completedFuture(socket);
    }

    private void connectWaitingAttaches(String id) {
        for (var f : waiters.started(id)) {
            if (f.isCancelled()) {
                continue;
            }
            try {
                f.complete(AttachSocket.connect(runtime.paths(id).bundle().resolve("attach")));
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
            fire(c, c.id(), "resize", Map.of("height", Integer.toString(height), "width", Integer.toString(width)));
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
            fire(registry.update(id, x -> x.withState(x.state().paused(frozen))), id, frozen ? "pause" : "unpause", Map.of());
            return null;
        });
    }

    /** Thaws a paused container so that a signal can reach its processes. */
    private void thaw(Container c) {
        if (c.state().paused()) {
            try {
                runtime.freeze(c.id(), false);
                registry.update(c.id(), x -> x.withState(x.state().paused(false)));
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
        if (newName.replaceFirst("^/", "").equals(c.name())) {
            throw EngineException.invalid("Renaming a container with the same name as its current name");
        }
        registry.rename(c.id(), newName);
        fire(registry.find(c.id()), c.id(), "rename", Map.of("oldName", "/" + c.name()));
    }

    /**
     * {@code docker update}: the fields set (zero or empty ones mean unchanged, as with dockerd) replace the
     * container's, checked as at create, and a running container's cgroup follows at once. Answers the warnings.
     */
    public List<String> update(String ref, ResourceUpdate changes) throws IOException {
        Container c = get(ref);
        HostConfig hc = c.hostConfig().with(changes);
        if (!RestartPolicy.of(hc).none() && hc.autoRemove()) {
            throw EngineException.invalid("Restart policy cannot be updated because AutoRemove is enabled for the container");
        }
        List<String> warnings = ResourceOptions.validate(hc, host);
        // saved first, so that a start meanwhile runs with the new limits; the saved ones come back if runc fails
        HostConfig before = c.hostConfig();
        transitions.with(c.id(), () -> {
            registry.update(c.id(), x -> x.withHostConfig(hc));
            if (current(c.id()).state().running()) {
                try {
                    runtime.update(c.id(), JSON.writeValueAsBytes(ResourceOptions.resources(hc, host, c.id())));
                } catch (IOException | RuntimeException e) {
                    registry.update(c.id(), x -> x.withHostConfig(before));
                    throw e;
                }
            }
            return null;
        });
        fire(c.id(), "update");
        return warnings;
    }

    /** {@code docker top}: the container's processes as the host's ps shows them, with {@code psArgs} (default -ef). */
    public List<List<String>> top(String ref, String psArgs) throws IOException {
        Container c = get(ref);
        if (!c.state().running()) {
            throw EngineException.conflict("Container " + c.id() + " is not running");
        }
        List<List<String>> table = ProcessTable.of(runtime.pids(c.id()), psArgs == null || psArgs.isEmpty() ? "-ef" : psArgs);
        fire(c, c.id(), "top", Map.of());
        return table;
    }

    /** A reading of the container's resource usage ({@code GET /containers/{id}/stats}); zeroes while it is not running. */
    public StatsSample stats(String ref) {
        Container c = get(ref);
        StatsSample s = ContainerStats.sample(c.state().running() ? c.state().pid() : 0);
        return s.of("/" + c.name(), c.id(), c.state().running() && networks.sandbox(c.id()).isPresent()
                ? ContainerStats.networks(c.state().pid(), ContainerStats.Host.REAL) : null);
    }

    public void listen(Listener listener) {
        listeners.add(listener);
    }

    private void fire(String id, String action) {
        fire(registry.find(id), id, action, Map.of());
    }

    /**
     * Tells the listeners, and reports the event with the container's name, image and labels and
     * {@code extra} ({@code c} null when it is gone: the id alone then).
     */
    private void fire(Container c, String id, String action, Map<String, String> extra) {
        Map<String, String> attributes = new LinkedHashMap<>();
        if (c != null) {
            c.config().labels().forEach((k, v) -> attributes.put(k, String.valueOf(v)));
            attributes.put("image", c.image());
            attributes.put("name", c.name());
        }
        attributes.putAll(extra);
        events.emit("container", action, id, attributes);
        for (Listener l : listeners) {
            try {
                l.on(id, action);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, action + " listener for " + id + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Its legacy links as dockerd shows them in {@code HostConfig.Links}: {@code /child:/parent/alias}, under the
     * names the containers have now (links are kept by the linked container's id).
     */
    public List<String> shownLinks(Container c) {
        List<String> out = new ArrayList<>();
        for (String link : c.hostConfig().links()) {
            String[] l = NetworkOptions.link(link);
            Container child = registry.find(l[0]);
            out.add("/" + (child == null ? l[0] : child.name()) + ":/" + c.name() + "/" + l[1]);
        }
        return out;
    }

    /**
     * {@code docker rm --link parent/alias}: the parent no longer links the other container under that alias (its
     * name and variables go at its next start); both containers stay.
     */
    public void removeLink(String parentRef, String alias) throws IOException {
        if (parentRef.isEmpty()) {
            throw EngineException.conflict("Conflict, cannot remove the default link name of the container");
        }
        String id = linkTarget(parentRef, alias);       // the 404 when there is no such link
        String parentId = get(parentRef).id();
        transitions.with(parentId, () -> {
            registry.update(parentId, p -> p.withHostConfig(p.hostConfig().withLinks(p.hostConfig().links().stream()
                    .filter(l -> !java.util.Arrays.equals(NetworkOptions.link(l), new String[] {id, alias})).toList())));
            return null;
        });
    }

    /** The container a parent links under an alias, by the link's name {@code parent/alias}: a 404 when there is none. */
    public String linkTarget(String parentRef, String alias) {
        EngineException none = EngineException.notFound("No such container: " + parentRef + "/" + alias);
        Container parent;
        try {
            parent = get(parentRef);
        } catch (EngineException e) {
            throw none;
        }
        return parent.hostConfig().links().stream().map(NetworkOptions::link)
                .filter(l -> l[1].equals(alias)).map(l -> l[0]).findFirst().orElseThrow(() -> none);
    }

    /**
     * The names containers' links give others, as dockerd lists them in {@code Names}: {@code /parent/alias}
     * by the linked container's id; one pass for a whole list.
     */
    public Map<String, List<String>> linkNames() {
        Map<String, List<String>> out = new java.util.HashMap<>();
        for (Container parent : registry.list()) {
            for (String link : parent.hostConfig().links()) {
                String[] l = NetworkOptions.link(link);
                out.computeIfAbsent(l[0], k -> new ArrayList<>()).add("/" + parent.name() + "/" + l[1]);
            }
        }
        return out;
    }

    /** Has {@code ended} run once the exec session with these files has exited. */
    void watchExec(OciRuntime.Paths session, Runnable ended) throws IOException {
        exits.watchExec(session, ended);
    }

    /** A health probe's outcome, for a container that still runs with its check; a change of status is an event. */
    void recordHealth(String id, UnaryOperator<Health> change) {
        Container before = registry.find(id);
        Container after = registry.update(id, x -> x.state().running() && x.state().health() != null
                ? x.withState(x.state().withHealth(change.apply(x.state().health()))) : x);
        if (before != null && after != null && after.state().health() != null && before.state().health() != null
                && !after.state().health().status().equals(before.state().health().status())) {
            fire(after, id, "health_status: " + after.state().health().status(), Map.of());
        }
    }

    /** Reports an event of a container that its callers see through (attach, exec, files). */
    public void report(String ref, String action, Map<String, String> extra) {
        Container c = registry.find(get(ref).id());
        if (c != null) {
            fire(c, c.id(), action, extra);
        }
    }

    /** Sends a signal; SIGKILL (the default) returns once the container has exited, as with dockerd. */
    public void kill(String ref, String signal) throws IOException {
        String id = get(ref).id();
        int sig = Signals.parse(signal == null || signal.isEmpty() ? "KILL" : signal);
        transitions.with(id, () -> {
            Container c = current(id);
            boolean ends = endsRestarts(c, sig);
            if (c.state().restarting()) {
                if (ends) {
                    stopRestarting(id);
                }
                return null;        // another signal for a container waiting to restart: nothing to signal, as dockerd
            }
            if (!c.state().running()) {
                throw EngineException.conflict("Cannot kill container: " + ref + ": container " + id + " is not running");
            }
            if (c.state().paused()) {
                throw EngineException.conflict("Cannot kill container " + id + ": Container " + id
                        + " is paused. Unpause the container before stopping or killing");
            }
            registry.update(id, x -> x.withState(x.state().stoppedByUser()));
            if (ends) {
                restarts.exitOnNext(id);
            }
            CompletableFuture<Void> exit = exits.exitOf(id);
            runtime.kill(id, sig);
            fire(c, id, "kill", Map.of("signal", Integer.toString(sig)));
            if (sig == 9) {
                awaitExit(id, exit, KILL_GRACE);
            }
            return null;
        });
    }

    /**
     * Whether a kill ends the restart policy's hold, as dockerd decides: SIGKILL, the container's stop signal,
     * or any signal when the container has none of its own; another signal lets the policy bring it back.
     */
    private static boolean endsRestarts(Container c, int signal) {
        String stopSignal = c.config().stopSignal();
        return signal == 9 || stopSignal.isEmpty() || Signals.parse(stopSignal) == signal;
    }

    /** A stop or kill of a container waiting to restart: it stays down, as after a stop. Holding its lock. */
    private boolean stopRestarting(String id) {
        if (!registry.find(id).state().restarting()) {
            return false;
        }
        restarts.cancel(id);
        registry.update(id, x -> x.withState(x.state().stoppedByUser()));
        return true;
    }

    /**
     * StopSignal, then SIGKILL after the timeout (negative: none, it waits for the exit); false when it was
     * not running (304). The wait lets other transitions in: a {@code kill} ends a stop that waits for ever.
     */
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
            registry.update(id, x -> x.withState(x.state().stoppedByUser()));
            restarts.exitOnNext(id);
            CompletableFuture<Void> exit = exits.exitOf(id);
            thaw(c);
            String stopSignal = c.config().stopSignal();
            int timeout = timeoutSeconds != null ? timeoutSeconds : c.config().stopTimeout() != null ? c.config().stopTimeout() : 10;
            int signal = Signals.parse(stopSignal.isEmpty() ? "TERM" : stopSignal);
            try {
                runtime.kill(id, signal);
                fire(c, id, "kill", Map.of("signal", Integer.toString(signal)));
            } catch (IOException e) {
                LOG.fine("stop signal: " + e.getMessage());
            }
            boolean ended;
            try {
                ended = transitions.released(id, () -> ended(id, exit, timeout < 0 ? null : Duration.ofSeconds(timeout)));
            } finally {
                exits.done(id, exit);
            }
            Container now = registry.find(id);
            if (now == null) {
                return true;        // removed while it stopped
            }
            if (ended) {
                settleExit(id);
            } else if (now.state().running() && now.state().pid() == c.state().pid()) {
                killAndAwait(id);
            }
            fire(c, id, "stop", Map.of());
            return true;
        });
    }

    /** SIGKILL, then the exit recorded; holding the container's lock. */
    private void killAndAwait(String id) throws IOException {
        CompletableFuture<Void> exit = exits.exitOf(id);
        try {
            runtime.kill(id, 9);
        } catch (IOException gone) {
            LOG.fine("SIGKILL: " + gone.getMessage());
        }
        if (!awaitExit(id, exit, KILL_GRACE)) {
            throw new IOException("container " + id + " did not exit within " + KILL_GRACE.toSeconds() + "s of SIGKILL");
        }
    }

    /**
     * Waits, holding the container's lock, until its process has exited (or its monitor died), then
     * settles the exit; false when it does not happen in time.
     */
    private boolean awaitExit(String id, CompletableFuture<Void> exit, Duration timeout) throws IOException {
        try {
            if (!ended(id, exit, timeout)) {
                return false;
            }
        } finally {
            exits.done(id, exit);
        }
        settleExit(id);
        return true;
    }

    /** Whether the exit came within the timeout (null: no limit). */
    private static boolean ended(String id, CompletableFuture<Void> exit, Duration timeout) throws IOException {
        try {
            if (timeout == null) {
                exit.get();
            } else {
                exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + id + " to exit", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** A stop and a start as one transition: nothing else happens to the container in between. */
    public void restart(String ref, Integer timeoutSeconds) throws IOException {
        String id = get(ref).id();
        transitions.with(id, () -> {
            stop(id, timeoutSeconds);
            start(id);
            fire(id, "restart");
            return null;
        });
    }

    /** Completes with the exit code once the condition holds. */
    public CompletableFuture<Integer> waitFor(String ref, WaitCondition condition) {
        Container c = get(ref);
        if (condition == WaitCondition.REMOVED) {
            return waiters.removal(c.id());
        }
        CompletableFuture<Integer> f = waiters.exit(c.id());
        Container now = registry.find(c.id());
        if (condition == WaitCondition.NOT_RUNNING && (now == null || !now.state().running())) {
            f.complete(now == null ? c.state().exitCode() : now.state().exitCode());
        }
        return f;
    }

    /** {@code docker rm}; {@code removeVolumes} ({@code -v}) removes its anonymous volumes too. */
    public void remove(String ref, boolean force, boolean removeVolumes) throws IOException {
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
                registry.update(id, x -> x.withState(x.state().stoppedByUser()));
                thaw(c);
                killAndAwait(id);
            }
            delete(id, removeVolumes);
            return null;
        });
    }

    /** {@code docker container prune}: removes the stopped (created, exited, dead) containers that {@code which} accepts. */
    public Pruned prune(Predicate<Container> which) throws IOException {
        List<String> ids = new ArrayList<>();
        long space = 0;
        for (Container c : list()) {
            ContainerState s = c.state();
            if (s.running() || s.restarting() || !which.test(c)) {
                continue;
            }
            long size = rootfs.changesSize(c.id());
            boolean removed = transitions.with(c.id(), () -> {
                Container now = registry.find(c.id());
                if (now == null || now.state().running() || now.state().restarting()) {
                    return false;   // removed or started meanwhile
                }
                delete(c.id(), false);
                return true;
            });
            if (removed) {
                ids.add(c.id());
                space += size;
            }
        }
        return new Pruned(ids, space);
    }

    /**
     * Removes a container that has no process, with its anonymous volumes when told or when it was to be
     * removed on exit ({@code --rm}, as dockerd); the caller holds its transition lock.
     */
    private void delete(String id, boolean removeVolumes) throws IOException {
        restarts.cancel(id);
        restarts.reset(id);
        if (Files.exists(runtime.paths(id).bundle())) {
            cleanupRuntime(id);     // else the exit's cleanup has run: a second runc delete costs a run --rm ~10 ms
        }
        rootfs.remove(id);
        Container c = registry.remove(id);
        if (c == null) {
            return;
        }
        images.released(c.imageId());
        if (removeVolumes || c.autoRemove()) {
            c.anonymousVolumes().values().forEach(volumes::removeAnonymous);
        }
        waiters.removed(id, c.state().exitCode());
        for (Path log : ContainerLogs.rotated(runtime.paths(id).log())) {
            Files.delete(log);
        }
        Files.deleteIfExists(runtime.paths(id).log());
        transitions.forget(id);
        fire(c, id, "destroy", Map.of());
    }

    private void cleanupRuntime(String id) {
        try {
            runtime.delete(id);
        } catch (IOException e) {
            LOG.fine("runtime delete " + id + ": " + e.getMessage());
        }
        networks.down(id);
        try {
            rootfs.unmount(id);
        } catch (IOException e) {
            LOG.warning("unmount " + id + ": " + e.getMessage());
        }
        Container c = registry.find(id);
        if (c != null) {
            c.volumeNames().forEach(volumes::release);
        }
    }

    /** A volume event for each volume the container mounts, as dockerd reports them at its start and stop. */
    private void volumeEvents(Container c, String action) {
        for (MountOptions.Mount m : c.mounts()) {
            if (m.isVolume()) {
                events.emit("volume", action, m.source(), action.equals("mount")
                        ? Map.of("container", c.id(), "destination", m.target(), "driver", "local", "propagation", "",
                                "read/write", Boolean.toString(!m.readOnly()))
                        : Map.of("container", c.id(), "driver", "local"));
            }
        }
    }

    /**
     * Runs {@code work} on the container's files as it sees them ({@code docker cp}, {@code export});
     * {@code writing} when it changes them; {@code action} is the event it makes (none for null).
     */
    public <T> T files(String ref, boolean writing, String action, FileWork<T> work) throws IOException {
        T result = files.with(ref, writing, work::run);
        if (action != null) {
            report(ref, action, Map.of());
        }
        return result;
    }

    /** What a container's files take: its own changes ({@code SizeRw}) and those with its image's ({@code SizeRootFs}). */
    public record Sizes(long rw, long rootFs) {}

    public Sizes sizes(Container c) throws IOException {
        long rw = rootfs.changesSize(c.id());
        long image;
        try {
            image = images.get(c.imageId()).size();
        } catch (dev.berth.errors.EngineException gone) {
            image = 0;
        }
        return new Sizes(rw, rw + image);
    }

    /** {@code docker diff}: what the container changed in its root filesystem, parents first. */
    public List<dev.berth.rootfs.Changes.Change> changes(String ref) throws IOException {
        Container c = get(ref);
        return rootfs.changes(c.id(), images.containerLayers(c.imageId()));
    }

    /**
     * {@code docker commit}: the container's changes as a new image on top of its own; a running container
     * is frozen meanwhile when {@code pause} (the default), so the layer is one moment's state.
     */
    public Image commit(String ref, dev.berth.image.CommitRequest request, boolean pause) throws IOException {
        String id = get(ref).id();
        return transitions.with(id, () -> {
            Container c = current(id);
            boolean freeze = pause && c.state().running() && !c.state().paused();
            if (freeze) {
                runtime.freeze(id, true);
            }
            try {
                List<String> command = new ArrayList<>();
                command.add(c.path());
                command.addAll(c.args());
                var changes = rootfs.changes(id, images.containerLayers(c.imageId()));
                Image made = images.commitContainer(c.imageId(), out -> dev.berth.files.ContainerFiles.writeChanges(rootfs.changesDir(id), changes, out),
                        request.of(id, JSON.valueToTree(c.config()), String.join(" ", command)));
                fire(c, id, "commit", Map.of("comment", request.comment(), "imageID", made.id().toString()));
                return made;
            } finally {
                if (freeze) {
                    runtime.freeze(id, false);
                }
            }
        });
    }

    /** The uid and gid its processes run as ({@code User}, looked up in its own passwd and group files under {@code root}). */
    public int[] userIds(String ref, Path root) throws IOException {
        return ContainerSpec.user(get(ref).config().user(), root);
    }

    /** The uid and gid a {@code user[:group]} names, looked up in the passwd and group files under {@code root}. */
    public int[] userIdsOf(String user, Path root) throws IOException {
        return ContainerSpec.user(user, root);
    }

    /** Work on a container's files. */
    public interface FileWork<T> {
        T run(dev.berth.files.ContainerView view) throws IOException;
    }

    /** The directory a volume's files are in, as inspect shows a volume mount's Source. */
    public Path volumeDir(String name) {
        return volumes.dir(name);
    }

    // ---- networks ----

    /** The container's network now: its sandbox (made here), the host's, a private one, or another container's. */
    private NetworkView network(Container c) throws IOException {
        String mode = c.networkMode();
        String hostGateway = networks.network(Network.DEFAULT_BRIDGE).pools().getFirst().gateway();
        if (mode.equals("host")) {
            return new NetworkView("", "", List.of(), List.of(), hostGateway, null, List.of());
        }
        if (mode.startsWith("container:")) {
            Container other = linked(mode.substring("container:".length()), "cannot join the network of " + mode.substring(10));
            String netns = networks.sandbox(other.id()).map(Sandbox::netns)
                    .orElse(other.networkMode().equals("host") ? "" : "/proc/" + other.state().pid() + "/ns/net");
            return new NetworkView(netns, "", List.of(), List.of(), hostGateway, registry.dir(other.id()), List.of());
        }
        if (mode.equals("none") || c.endpoints().isEmpty()) {
            return new NetworkView(null, "", List.of(), List.of(), hostGateway, null, List.of());
        }
        List<String> links = new ArrayList<>();
        List<String> linkEnv = new ArrayList<>();
        for (String link : c.hostConfig().links()) {
            String[] l = NetworkOptions.link(link);
            Container child = registry.find(l[0]);
            Container other = linked(l[0], "Cannot link to " + (child == null ? l[0] : "/" + child.name()) + " AS /" + c.name() + "/" + l[1]);
            String ip = networks.sandbox(other.id()).flatMap(s -> s.attachments().stream().findFirst()).map(Attachment::ipv4Address).orElse("");
            if (!ip.isEmpty()) {
                links.add(ip + "\t" + l[1] + " " + other.id().substring(0, 12) + " " + other.name());
                linkEnv.addAll(LinkEnvironment.of(c.name(), l[1], ip, other.config().exposedPorts().keySet(), other.config().env()));
            }
        }
        Sandbox s = networks.up(new SandboxRequest(c.id(), c.name(), c.config().hostname(), c.endpoints(),
                NetworkOptions.ports(c.hostConfig(), c.config().exposedPorts().keySet()), c.hostConfig().dns()));
        if (s.attachments().isEmpty()) {
            return new NetworkView(s.netns(), "", List.of(), links, hostGateway, null, linkEnv);
        }
        Attachment first = s.attachments().getFirst();
        boolean dns = networks.network(first.networkId()).servesDns();
        return new NetworkView(s.netns(), first.ipv4Address(), dns ? List.of(first.gateway()) : List.of(), links, first.gateway(), null,
                linkEnv);
    }

    /** A running container this one depends on (link, shared namespace): a 400 when there is none. */
    private Container linked(String ref, String what) {
        Container other;
        try {
            other = registry.get(ref);
        } catch (EngineException e) {
            throw EngineException.invalid(what + ": " + e.getMessage());
        }
        if (!other.state().running()) {
            throw EngineException.conflict(what + ": container " + other.name() + " is not running");
        }
        return other;
    }

    /** A network's id, by name or id. */
    public String networkId(String ref) {
        return networks.network(ref).id();
    }

    /** The running container's sandbox: its namespace, addresses and published ports. */
    public Optional<Sandbox> sandbox(String id) {
        return networks.sandbox(id);
    }

    /** {@code docker network connect}: the container joins the network now if it runs, else when it starts. */
    public void connect(String ref, String networkRef, dev.berth.network.EndpointSettings endpointConfig) throws IOException {
        String id = get(ref).id();
        transitions.with(id, () -> {
            Container c = current(id);
            String mode = c.networkMode();
            if (mode.equals("host") || mode.equals("none") || mode.startsWith("container:")) {
                throw EngineException.forbidden("container sharing network namespace with another container or host cannot be connected to any other network");
            }
            Network n = networks.network(networkRef);
            if (!n.bridged()) {
                throw EngineException.forbidden("container cannot be disconnected from host network or connected to host network");
            }
            if (c.endpoints().containsKey(n.name())) {
                throw EngineException.forbidden("endpoint with name " + c.name() + " already exists in network " + n.name());
            }
            EndpointRequest ep = NetworkOptions.endpoint(n, endpointConfig, "");
            if (c.state().running()) {
                networks.connect(id, c.name(), c.config().hostname(), n.name(), ep);
            }
            Map<String, EndpointRequest> all = new LinkedHashMap<>(c.endpoints());
            all.put(n.name(), ep);
            registry.update(id, x -> x.withNetworks(all));
            return null;
        });
    }

    /** {@code docker network disconnect}. */
    public void disconnect(String ref, String networkRef) throws IOException {
        String id = get(ref).id();
        transitions.with(id, () -> {
            Container c = current(id);
            Network n = networks.network(networkRef);
            if (!c.endpoints().containsKey(n.name())) {
                throw EngineException.forbidden("container " + id + " is not connected to network " + n.name());
            }
            if (c.state().running()) {
                networks.disconnect(id, n.id());
            }
            Map<String, EndpointRequest> all = new LinkedHashMap<>(c.endpoints());
            all.remove(n.name());
            registry.update(id, x -> x.withNetworks(all));
            return null;
        });
    }

    // ---- exits ----

    /** What the exit monitor reports: settled under the container's lock. */
    private void settleLocked(String id) {
        try {
            transitions.with(id, () -> {
                if (registry.find(id) != null) {
                    settleExit(id);
                }
                return null;
            });
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "recording the exit of " + id + ": " + e.getMessage(), e);
        }
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
        Container c = registry.find(id);
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

    /** Records the exit of a container whose exit file is there; nothing when it was recorded already. Holding its lock. */
    private void exited(String id) {
        OptionalInt code;
        try {
            code = runtime.exitCode(runtime.paths(id));
        } catch (IOException | NumberFormatException e) {
            return;     // still being written: the MODIFY event brings us back
        }
        Container c = registry.find(id);
        if (c == null || code.isEmpty() || !c.state().running()) {
            return;
        }
        recordExit(id, c, code.getAsInt(), finishedAt(runtime.paths(id).exitFile()), Files.exists(runtime.paths(id).oomFile()), "");
    }

    /** Records an exit, releases the runtime's hold, then wakes the waiters and applies auto-removal or the restart policy. */
    private void recordExit(String id, Container c, int exitCode, String finishedAt, boolean oom, String error) {
        exits.forgetMonitor(id);
        boolean restart = restarts.wantsBack(c, exitCode);
        Container died = registry.update(id, s -> {
            ContainerState ended = s.state().exited(exitCode, finishedAt, oom).withError(error);
            // wanted back: restarting from the exit on, and counted already, as dockerd shows it
            return restart ? s.withState(ended.restarting(true)).withRestartCount(s.restartCount() + 1) : s.withState(ended);
        });
        if (oom) {
            fire(died, id, "oom", Map.of());
        }
        fire(died, id, "die", Map.of("exitCode", Integer.toString(exitCode)));
        cleanupRuntime(id);
        volumeEvents(c, "unmount");
        if (restart) {
            restarts.schedule(id);    // before the waiters wake: a remove right after the wait sees it restarting
        }
        waiters.exited(id, exitCode);
        if (!restart && c.autoRemove()) {
            try {
                delete(id, true);
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

    /**
     * At start-up: containers that ended while the daemon was away get their exit recorded; the networks of
     * those that run on are served again, any other sandbox is undone.
     */
    private void reconcile() {
        reconcileExits();
        networks.restore(registry.list().stream().filter(c -> c.state().running()).map(Container::id).toList());
    }

    private void reconcileExits() {
        for (Container c : registry.list()) {
            if (!c.state().running()) {
                continue;
            }
            try {
                transitions.with(c.id(), () -> {
                    reconcile(c);
                    return null;
                });
            } catch (IOException e) {
                LOG.warning("reconciling " + c.id() + ": " + e.getMessage());
            }
        }
    }

    private void reconcile(Container c) throws IOException {
        if (runtime.exitCode(runtime.paths(c.id())).isPresent()) {
            exited(c.id());
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
            registry.update(c.id(), s -> s.withState(s.state().exited(255, Instant.now().toString(), false).withError(error)));
            cleanupRuntime(c.id());
        } else {
            Optional<ProcessHandle> monitor = runtime.monitor(c.id());
            if (monitor.isPresent()) {
                exits.watchMonitor(c.id(), monitor.get());
            } else {
                settleExit(c.id());     // its monitor died while the daemon was away
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

    /** A new 64-hex-digit id, for containers and exec sessions. */
    static String newId() {
        return dev.berth.system.Ids.random();
    }

    @Override
    public void close() throws IOException {
        logRotator.close();
        exits.close();
    }
}
