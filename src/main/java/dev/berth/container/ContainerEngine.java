package dev.berth.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.container.config.ContainerCreate;
import dev.berth.container.config.HealthCheck;
import dev.berth.container.config.HostConfig;
import dev.berth.container.config.ResourceUpdate;
import dev.berth.container.logs.LogOptions;
import dev.berth.container.spec.ResourceOptions;
import dev.berth.errors.EngineException;
import dev.berth.events.EventSink;
import dev.berth.host.EngineJson;
import dev.berth.host.Ids;
import dev.berth.image.ImageStore;
import dev.berth.runtime.OciRuntime;
import dev.berth.network.ContainerNetworks;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.volume.ContainerVolumes;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The container lifecycle: create, start, stop, kill, restart, wait, remove, pause, update, rename, each
 * container's transitions one at a time ({@link TransitionLocks}), over the parts that do the work: the
 * {@link ContainerIndex} (containers and names, saved on every change), the {@link ContainerFactory}
 * (create requests checked and merged), {@link StartSpecs} (the OCI spec), {@link ExitSettlement} (exits
 * and dead monitors), the {@link RestartManager} (restart policies), {@link ContainerTeardown} and
 * {@link Waiters}. It builds the container side's other parts ({@link Containers}). Blocking: call off the
 * event loop.
 */
public final class ContainerEngine implements ContainerLifecycle, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ContainerEngine.class.getName());
    private static final ObjectMapper JSON = EngineJson.MAPPER;

    private final ImageStore images;
    private final RootfsDriver rootfs;
    private final OciRuntime runtime;
    private final ResourceOptions.Host host = ResourceOptions.Host.current();
    private final ContainerIndex index;
    private final ContainerFactory factory;
    private final StartSpecs specs;
    private final TransitionLocks transitions = new TransitionLocks();
    private final Waiters waiters = new Waiters();
    private final RestartManager restarts;
    private final ContainerEvents events;
    private final ContainerTeardown teardown;
    private final ExitSettlement settlement;
    private final ExitMonitor exits;
    private final LogRotator logRotator;
    private final ContainerNetworking networking;
    private final RuntimeStreams streams;
    private final ContainerContent content;
    private final ContainerVolumes volumes;

    /** Opens the containers under {@code root} and reconciles them with what ran on while the daemon was away. */
    public ContainerEngine(Path root, ImageStore images, RootfsDriver rootfs, OciRuntime runtime, Path exitDir, long nofileHardLimit,
                           ContainerNetworks networks, ContainerVolumes volumes, EventSink sink) throws IOException {
        this.volumes = volumes;
        this.images = images;
        this.rootfs = rootfs;
        this.runtime = runtime;
        this.index = new ContainerIndex(root);
        this.events = new ContainerEvents(index, sink);
        this.factory = new ContainerFactory(images, index, runtime.name(), host, networks, volumes);
        this.specs = new StartSpecs(index, nofileHardLimit, host, volumes);
        volumes.users(new ContainerVolumes.Users() {
            @Override
            public List<String> of(String volume) {
                return index.list().stream().filter(c -> c.volumeNames().contains(volume)).map(Container::id).toList();
            }

            @Override
            public boolean running(String volume) {
                return index.list().stream().anyMatch(c -> c.state().running() && c.volumeNames().contains(volume));
            }
        });
        this.restarts = new RestartManager(index, transitions, this::launch);
        this.teardown = new ContainerTeardown(index, transitions, restarts, waiters, events, images, rootfs, runtime, networks, volumes);
        this.settlement = new ExitSettlement(exitDir, index, transitions, runtime, restarts, waiters, events, teardown);
        this.exits = settlement.monitor();
        this.networking = new ContainerNetworking(index, transitions, settlement, networks);
        this.streams = new RuntimeStreams(index, waiters, events, runtime, networks);
        this.content = new ContainerContent(index, transitions, settlement, events, images, rootfs, runtime, volumes);
        settlement.reconcile(networks);
        restarts.atDaemonStart();
        exits.start();
        this.logRotator = new LogRotator(index::list, runtime);
    }

    public ContainerEvents events() {
        return events;
    }

    ContainerNetworking networking() {
        return networking;
    }

    RuntimeStreams streams() {
        return streams;
    }

    ContainerContent content() {
        return content;
    }

    // ---- queries ----

    @Override
    public Container get(String ref) {
        return index.get(ref);
    }

    @Override
    public List<Container> list() {
        return index.list();
    }

    /** What the image store must know of the containers made from its images. */
    public dev.berth.image.ImageUsers imageUsers() {
        return new dev.berth.image.ImageUsers() {
            @Override
            public Optional<User> of(dev.berth.image.Digest image) {
                return index.userOf(image.toString()).map(c -> new User(c.id(), c.state().running() || c.state().restarting()));
            }

            @Override
            public java.util.Set<dev.berth.image.Digest> images() {
                return index.imageIds().stream().filter(dev.berth.image.Digest::isDigest).map(dev.berth.image.Digest::parse)
                        .collect(java.util.stream.Collectors.toSet());
            }
        };
    }

    ContainerViews.ContainerPaths paths(String ref) {
        Container c = get(ref);
        return new ContainerViews.ContainerPaths(runtime.paths(c.id()).log(), index.dir(c.id()));
    }

    // ---- lifecycle ----

    @Override
    public Created create(ContainerCreate request) throws IOException {
        String id = newId();
        ContainerFactory.Made made = factory.make(request, id);
        try {
            Created created = new Created(index.add(id, request.name(), made.named()), made.warnings());
            events.fire(created.container(), id, "create", Map.of());
            return created;
        } catch (IOException | RuntimeException e) {
            made.named().apply("").anonymousVolumes().values().forEach(volumes::removeAnonymous);
            throw e;
        }
    }

    @Override
    public boolean start(String ref) throws IOException {
        String id = get(ref).id();
        return transitions.with(id, () -> {
            if (settlement.current(id).state().running()) {
                return false;       // running, or started by a parallel request that came first: one wins, as with dockerd
            }
            restarts.cancel(id);
            restarts.reset(id);
            index.update(id, x -> x.withRestartCount(0));
            launch(id);
            return true;
        });
    }

    /** Mounts, creates and starts a container that has no process; the caller holds its transition lock. */
    private void launch(String id) throws IOException {
        Container c = settlement.current(id);
        try {
            Path root = rootfs.mount(id, images.containerLayers(c.imageId()));
            ObjectNode spec = specs.spec(c, root, networking.view(c));
            // dockerd keeps a terminal's stdin open when an attached client leaves, and a StdinOnce container's not
            boolean leaveStdinOpen = c.tty() || !c.config().stdinOnce();
            long pid = runtime.create(id, JSON.writeValueAsBytes(spec), new OciRuntime.Stdio(c.tty(), c.config().openStdin(),
                    leaveStdinOpen), LogOptions.policy(c.hostConfig())).pid();
            runtime.monitor(id).ifPresent(m -> exits.watchMonitor(id, m));
            streams.connectWaiting(id);     // before start: a process that prints and exits at once loses nothing
            runtime.start(id);
            index.update(id, s -> s.withState(s.state().started(pid, Instant.now().toString(), HealthCheck.of(s.config()).isPresent())));
            events.volumes(c, "mount");
            events.fire(id, "start");
            // a process that ends at once may have written its exit file before it counted as running,
            // when the watcher had to ignore it: look once more, now that it does
            settlement.exited(id);
        } catch (IOException | RuntimeException e) {
            teardown.afterRun(id);
            index.update(id, s -> s.withState(s.state().failed(e.getMessage())));
            if (c.autoRemove()) {
                teardown.remove(id, true);     // as dockerd: docker run --rm waits for the removal, also after a failed start
            }
            throw e instanceof EngineException ee ? ee : new EngineException(EngineException.Kind.INVALID_ARGUMENT, e.getMessage(), e);
        }
    }

    @Override
    public void pause(String ref, boolean frozen) throws IOException {
        String id = get(ref).id();
        transitions.with(id, () -> {
            ContainerState s = settlement.current(id).state();
            if (!s.running()) {
                throw EngineException.conflict("Container " + id + " is not running");
            }
            if (s.paused() == frozen) {
                throw EngineException.conflict("Container " + id + (frozen ? " is already paused" : " is not paused"));
            }
            runtime.freeze(id, frozen);
            events.fire(index.update(id, x -> x.withState(x.state().paused(frozen))), id, frozen ? "pause" : "unpause", Map.of());
            return null;
        });
    }

    /** Thaws a paused container so that a signal can reach its processes. */
    private void thaw(Container c) {
        if (c.state().paused()) {
            try {
                runtime.freeze(c.id(), false);
                index.update(c.id(), x -> x.withState(x.state().paused(false)));
            } catch (IOException e) {
                LOG.fine("resume " + c.id() + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void rename(String ref, String newName) {
        Container c = get(ref);
        if (newName == null || newName.isEmpty()) {
            throw EngineException.invalid("Neither old nor new names may be empty");
        }
        if (newName.replaceFirst("^/", "").equals(c.name())) {
            throw EngineException.invalid("Renaming a container with the same name as its current name");
        }
        index.rename(c.id(), newName);
        events.fire(index.find(c.id()), c.id(), "rename", Map.of("oldName", "/" + c.name()));
    }

    @Override
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
            index.update(c.id(), x -> x.withHostConfig(hc));
            if (settlement.current(c.id()).state().running()) {
                try {
                    runtime.update(c.id(), JSON.writeValueAsBytes(ResourceOptions.resources(hc, host, c.id())));
                } catch (IOException | RuntimeException e) {
                    index.update(c.id(), x -> x.withHostConfig(before));
                    throw e;
                }
            }
            return null;
        });
        events.fire(c.id(), "update");
        return warnings;
    }

    /** Has {@code ended} run once the exec session with these files has exited. */
    public void watchExec(OciRuntime.Paths session, Runnable ended) throws IOException {
        exits.watchExec(session, ended);
    }

    /** A health probe's outcome, for a container that still runs with its check; a change of status is an event. */
    public void recordHealth(String id, UnaryOperator<Health> change) {
        Container before = index.find(id);
        Container after = index.update(id, x -> x.state().running() && x.state().health() != null
                ? x.withState(x.state().withHealth(change.apply(x.state().health()))) : x);
        if (before != null && after != null && after.state().health() != null && before.state().health() != null
                && !after.state().health().status().equals(before.state().health().status())) {
            events.fire(after, id, "health_status: " + after.state().health().status(), Map.of());
        }
    }

    @Override
    public void kill(String ref, String signal) throws IOException {
        String id = get(ref).id();
        int sig = Signals.parse(signal == null || signal.isEmpty() ? "KILL" : signal);
        transitions.interrupting(id, () -> {
            Container c = settlement.current(id);
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
            index.update(id, x -> x.withState(x.state().stoppedByUser()));
            if (ends) {
                restarts.exitOnNext(id);
            }
            CompletableFuture<Void> exit = exits.exitOf(id);
            runtime.kill(id, sig);
            events.fire(c, id, "kill", Map.of("signal", Integer.toString(sig)));
            if (sig == 9) {
                settlement.awaitExit(id, exit, ExitSettlement.KILL_GRACE);
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
        if (!index.find(id).state().restarting()) {
            return false;
        }
        restarts.cancel(id);
        index.update(id, x -> x.withState(x.state().stoppedByUser()));
        return true;
    }

    @Override
    public boolean stop(String ref, Integer timeoutSeconds) throws IOException {
        String id = get(ref).id();
        return transitions.with(id, () -> {
            Container c = settlement.current(id);
            if (stopRestarting(id)) {
                return true;
            }
            if (!c.state().running()) {
                return false;
            }
            index.update(id, x -> x.withState(x.state().stoppedByUser()));
            restarts.exitOnNext(id);
            CompletableFuture<Void> exit = exits.exitOf(id);
            thaw(c);
            String stopSignal = c.config().stopSignal();
            int timeout = timeoutSeconds != null ? timeoutSeconds : c.config().stopTimeout() != null ? c.config().stopTimeout() : 10;
            int signal = Signals.parse(stopSignal.isEmpty() ? "TERM" : stopSignal);
            try {
                runtime.kill(id, signal);
                events.fire(c, id, "kill", Map.of("signal", Integer.toString(signal)));
            } catch (IOException e) {
                LOG.fine("stop signal: " + e.getMessage());
            }
            boolean ended;
            try {
                ended = transitions.released(id, () -> ExitSettlement.ended(id, exit, timeout < 0 ? null : Duration.ofSeconds(timeout)));
            } finally {
                exits.done(id, exit);
            }
            Container now = index.find(id);
            if (now == null) {
                return true;        // removed while it stopped
            }
            if (ended) {
                settlement.settle(id);
            } else if (now.state().running() && now.state().pid() == c.state().pid()) {
                settlement.killAndAwait(id);
            }
            events.fire(c, id, "stop", Map.of());
            return true;
        });
    }

    @Override
    public void restart(String ref, Integer timeoutSeconds) throws IOException {
        String id = get(ref).id();
        transitions.with(id, () -> {
            stop(id, timeoutSeconds);
            start(id);
            events.fire(id, "restart");
            return null;
        });
    }

    @Override
    public CompletableFuture<Integer> waitFor(String ref, WaitCondition condition) {
        Container c = get(ref);
        if (condition == WaitCondition.REMOVED) {
            return waiters.removal(c.id());
        }
        CompletableFuture<Integer> f = waiters.exit(c.id());
        Container now = index.find(c.id());
        if (condition == WaitCondition.NOT_RUNNING && (now == null || !now.state().running())) {
            f.complete(now == null ? c.state().exitCode() : now.state().exitCode());
        }
        return f;
    }

    @Override
    public void remove(String ref, boolean force, boolean removeVolumes) throws IOException {
        String id = get(ref).id();
        transitions.interrupting(id, () -> {
            Container c = settlement.current(id);
            if (c.state().restarting() && !force) {
                throw EngineException.conflict("You cannot remove a restarting container " + id
                        + ". Stop the container before attempting removal or force remove");
            }
            if (c.state().running()) {
                if (!force) {
                    throw EngineException.conflict("You cannot remove a running container " + id
                            + ". Stop the container before attempting removal or force remove");
                }
                index.update(id, x -> x.withState(x.state().stoppedByUser()));
                thaw(c);
                settlement.killAndAwait(id);
            }
            teardown.remove(id, removeVolumes);
            return null;
        });
    }

    @Override
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
                Container now = index.find(c.id());
                if (now == null || now.state().running() || now.state().restarting()) {
                    return false;   // removed or started meanwhile
                }
                teardown.remove(c.id(), false);
                return true;
            });
            if (removed) {
                ids.add(c.id());
                space += size;
            }
        }
        return new Pruned(ids, space);
    }

    /** A new 64-hex-digit id, for containers and exec sessions. */
    static String newId() {
        return Ids.random();
    }

    @Override
    public void close() throws IOException {
        logRotator.close();
        settlement.close();
    }
}
