package dev.berth.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.errors.EngineException;
import dev.berth.host.AtomicFiles;
import dev.berth.host.EngineJson;
import dev.berth.host.HostCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Networks and the sandboxes of running containers: a network namespace per container (named, under
 * /run/netns), joined to bridge networks by the CNI chain of {@link BridgeChain}, its published ports
 * held by {@link PortHolds}, and on user networks a {@link DnsServer} on the gateway. Bridges, DNS servers
 * and the CNI plugins' shared firewall chains exist while some container uses them: once none does for a
 * moment, they go, so a host without containers looks as it did before. Blocking: call off the event loop.
 */
public final class NetworkManager implements Networks, ContainerNetworks, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NetworkManager.class.getName());
    private static final ObjectMapper JSON = EngineJson.MAPPER;
    private static final Duration IP_DEADLINE = Duration.ofSeconds(30);
    private static final Path NETNS_DIR = Path.of("/run/netns");
    private static final String BOOT_ID = bootId();
    private static final java.util.concurrent.ExecutorService VIRTUAL = Executors.newVirtualThreadPerTaskExecutor();
    /** How long an idle bridge and the shared chains stay, so that back-to-back runs do not rebuild them each time. */
    private static final long IDLE_GRACE_MS = 2000;

    private final NetworkStore store;
    private final dev.berth.events.EventSink events;
    private final Optional<Cni> cni;
    private final Path ipamDir;
    private final Path sandboxDir;
    private final PortHolds ports = new PortHolds();
    private final Map<String, Sandbox> sandboxes = new ConcurrentHashMap<>();
    private final NetworkDns dns;
    /** Containers whose sandbox record could not be read at start: cleaned up from the host if they are not running. */
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
    /** Sandboxes being undone, by container: a start of the same container waits for it. */
    private final Map<String, CompletableFuture<Void>> teardowns = new ConcurrentHashMap<>();
    /** CNI ADD and DEL hold it shared; removing a bridge or the shared chains holds it alone. */
    private final ReadWriteLock hostLock = new ReentrantReadWriteLock();
    /**
     * Done once the host is as the networks need it after a daemon start ({@link #restore}: iptables, the default
     * bridge, the running containers' DNS): that runs beside the rest of the start-up, off the path to the first
     * answer, and whatever changes the host's networking waits for it.
     */
    private volatile CompletableFuture<Void> restored = CompletableFuture.completedFuture(null);
    private final ScheduledExecutorService idleTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "berth-network-idle");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> idleCheck;

    /**
     * @param dnsUpstreams where the DNS servers forward names they do not know ({@code ip} or {@code ip:port});
     *                     empty: the host's resolv.conf nameservers
     */
    public NetworkManager(Path root, Path runroot, List<String> dnsUpstreams, dev.berth.events.EventSink events) throws IOException {
        this.events = events;
        this.store = new NetworkStore(root);
        this.cni = Cni.find();
        this.ipamDir = Files.createDirectories(runroot.resolve("networks").resolve("ipam"));
        this.sandboxDir = Files.createDirectories(root.resolve("networks").resolve("sandboxes"));
        this.dns = new NetworkDns(dnsUpstreams, sandboxes::values);
        try (Stream<Path> files = Files.list(sandboxDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                try {
                    Sandbox s = JSON.readValue(f.toFile(), Sandbox.class);
                    if (BOOT_ID.equals(s.bootId())) {
                        sandboxes.put(s.containerId(), s);
                    } else {
                        Files.delete(f);    // made before a reboot, which took all of it
                    }
                } catch (IOException | RuntimeException damaged) {
                    // set aside; once the host is restored, what it held is found from the container's id instead
                    String id = f.getFileName().toString().replaceAll("\\.json$", "");
                    LOG.warning("unreadable sandbox " + f + ": " + damaged.getMessage() + "; moved to " + AtomicFiles.setAside(f));
                    if (id.matches("[0-9a-f]{64}")) {
                        unreadable.add(id);
                    }
                }
            }
        }
    }

    // ---- networks ----

    @Override
    public List<Network> list() {
        return store.list();
    }

    @Override
    public Network network(String ref) {
        return store.get(ref);
    }

    @Override
    public Network create(NetworkCreate request) throws IOException {
        String bridgeName = request.options().get(NetworkStore.BRIDGE_NAME_OPTION);
        if (bridgeName != null) {
            BridgeDevice.checkFree(bridgeName);
        }
        Network n = store.create(request);
        events.emit("network", "create", n.id(), Map.of("name", n.name(), "type", n.driver()));
        return n;
    }

    @Override
    public Map<String, Attachment> endpoints(String networkId) {
        Map<String, Attachment> out = new java.util.LinkedHashMap<>();
        sandboxes.values().forEach(s -> s.attachments().stream().filter(a -> a.networkId().equals(networkId))
                .forEach(a -> out.put(s.containerId(), a)));
        return out;
    }

    @Override
    public void remove(String ref) throws IOException {
        Network n = store.get(ref);
        if (n.predefined()) {
            throw EngineException.forbidden(n.name() + " is a pre-defined network and cannot be removed");
        }
        if (!endpoints(n.id()).isEmpty()) {
            throw EngineException.conflict("error while removing network: network " + n.name() + " id " + n.id() + " has active endpoints");
        }
        forget(n);
    }

    /**
     * A network removed: its bridge, DNS server and leases go with it. Containers that left it just now may
     * still be leaving (their CNI DEL takes host-local's lock file in the network's lease directory): that ends first.
     */
    private void forget(Network n) throws IOException {
        restored.join();
        awaitTeardowns();
        store.remove(n);
        events.emit("network", "destroy", n.id(), Map.of("name", n.name(), "type", n.driver()));
        hostLock.writeLock().lock();
        try {
            removeBridge(n);
            dev.berth.host.FileTrees.delete(ipamDir.resolve(n.cniName()));
        } finally {
            hostLock.writeLock().unlock();
        }
    }

    /** Waits (30 s at most each) for the containers' networks being undone. */
    private void awaitTeardowns() {
        for (CompletableFuture<Void> t : List.copyOf(teardowns.values())) {
            try {
                t.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warning("undoing a container's network: " + e.getMessage());
            }
        }
    }

    @Override
    public List<String> prune(Predicate<Network> which) throws IOException {
        List<String> removed = new ArrayList<>();
        for (Network n : store.list()) {
            if (!n.predefined() && which.test(n) && endpoints(n.id()).isEmpty()) {
                forget(n);
                removed.add(n.name());
            }
        }
        return removed;
    }

    // ---- sandboxes ----

    @Override
    public Optional<Sandbox> sandbox(String containerId) {
        return Optional.ofNullable(sandboxes.get(containerId));
    }

    @Override
    public Sandbox up(SandboxRequest r) throws IOException {
        restored.join();
        awaitTeardown(r.containerId());
        String netns = netnsOf(r.containerId()).toString();
        Sandbox s = new Sandbox(r.containerId(), netns, List.of(), List.of(), List.copyOf(r.dns()), BOOT_ID);
        save(s);    // first: a daemon that dies half-way finds what to undo
        try {
            if (Files.exists(Path.of(netns))) {
                // left by an instance whose record was lost with its runroot: its processes are gone
                HostCommand.check(IP_DEADLINE, "ip", "netns", "delete", Path.of(netns).getFileName().toString());
            }
            HostCommand.check(IP_DEADLINE, "ip", "netns", "add", Path.of(netns).getFileName().toString());
            Cni cniPlugins = requireCni();
            // loopback comes up beside the other interfaces: two plugins at once on two cores
            CompletableFuture<Void> loopback = CompletableFuture.runAsync(() -> {
                try {
                    cniPlugins.add("loopback", List.of(JSON.createObjectNode().put("type", "loopback")),
                            new Cni.Target(r.containerId(), Path.of(netns), "lo"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, VIRTUAL);
            boolean bridged = r.endpoints().keySet().stream().anyMatch(name -> store.get(name).bridged());
            List<PublishedPort> published = bridged
                    ? ports.take(r.ports(), r.containerName() + " (" + r.containerId().substring(0, 12) + ")") : List.of();
            s = s.with(List.of(), published);
            save(s);
            int i = 0;
            for (var e : r.endpoints().entrySet()) {
                Network n = store.get(e.getValue().networkId().isEmpty() ? e.getKey() : e.getValue().networkId());
                if (n.bridged()) {
                    s = attach(s, n, e.getValue(), i == 0 ? published : List.of(), "eth" + i, r.containerName(), r.hostname());
                    i++;
                }
            }
            try {
                loopback.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : new IOException(e.getCause());
            }
            return s;
        } catch (IOException | RuntimeException e) {
            down(r.containerId());
            throw e;
        }
    }

    @Override
    public Attachment connect(String containerId, String containerName, String hostname, String networkName, EndpointRequest ep)
            throws IOException {
        restored.join();
        Sandbox s = sandboxes.get(containerId);
        if (s == null) {
            throw EngineException.conflict("container " + containerId + " has no network namespace of Berth's to connect");
        }
        Network n = store.get(networkName);
        if (s.attachments().stream().anyMatch(a -> a.networkId().equals(n.id()))) {
            throw EngineException.forbidden("endpoint with name " + containerName + " already exists in network " + n.name());
        }
        Set<String> used = new HashSet<>();
        s.attachments().forEach(a -> used.add(a.ifname()));
        int i = 0;
        while (used.contains("eth" + i)) {
            i++;
        }
        Sandbox after = attach(s, n, ep, List.of(), "eth" + i, containerName, hostname);
        return after.attachments().getLast();
    }

    @Override
    public void disconnect(String containerId, String networkId) throws IOException {
        restored.join();
        Sandbox s = sandboxes.get(containerId);
        Attachment a = s == null ? null : s.attachments().stream().filter(x -> x.networkId().equals(networkId)).findFirst().orElse(null);
        if (a == null) {
            return;
        }
        detach(s, a);
        List<Attachment> left = new ArrayList<>(s.attachments());
        left.remove(a);
        save(s.with(left, s.ports()));
        scheduleIdleCheck();
    }

    /**
     * The container's ports are free and its names gone at once; its interfaces, leases and namespace go on
     * a thread of their own (CNI DEL takes tens of milliseconds that {@code docker run --rm} need not wait for).
     */
    @Override
    public void down(String containerId) {
        Sandbox s = sandboxes.remove(containerId);
        if (s == null) {
            return;
        }
        ports.release(s.ports());
        CompletableFuture<Void> t = CompletableFuture.runAsync(() -> teardown(s), VIRTUAL);
        teardowns.put(containerId, t);
        t.whenComplete((v, e) -> {
            teardowns.remove(containerId, t);
            scheduleIdleCheck();
        });
    }

    private void teardown(Sandbox s) {
        restored.join();
        String containerId = s.containerId();
        for (Attachment a : s.attachments().reversed()) {
            try {
                detach(s, a);
            } catch (IOException e) {
                LOG.warning("container " + containerId + ": leaving " + a.networkName() + ": " + e.getMessage());
            }
        }
        Path netns = Path.of(s.netns());
        if (Files.exists(netns)) {
            try {
                HostCommand.check(IP_DEADLINE, "ip", "netns", "delete", netns.getFileName().toString());
            } catch (IOException e) {
                LOG.warning("container " + containerId + ": " + e.getMessage());
            }
        }
        try {
            Files.deleteIfExists(sandboxDir.resolve(containerId + ".json"));
        } catch (IOException e) {
            LOG.warning("container " + containerId + ": " + e.getMessage());
        }
    }

    private void awaitTeardown(String containerId) {
        CompletableFuture<Void> t = teardowns.get(containerId);
        if (t != null) {
            t.join();
        }
    }

    /**
     * The default bridge is up while the daemon runs, as docker0 is with dockerd: its gateway is the host's
     * address that containers, and clients that are containers themselves (Testcontainers), reach it on.
     */
    private void defaultBridgeUp() {
        Network n = store.get(Network.DEFAULT_BRIDGE);
        BridgeRules.up(n);
        try {
            BridgeDevice.ensure(n, n.mtu() > 0 ? n.mtu() : HostRoutes.defaultMtu(), true);
        } catch (IOException | RuntimeException e) {
            LOG.warning("the default bridge: " + e.getMessage());
        }
    }

    @Override
    public void restore(Collection<String> running) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        restored = done;
        Thread.ofPlatform().name("network-restore").start(() -> {
            try {
                restoreHost(running);
            } catch (RuntimeException e) {
                LOG.log(java.util.logging.Level.WARNING, "restoring the host's networking: " + e.getMessage(), e);
            } finally {
                done.complete(null);
            }
        });
    }

    private void restoreHost(Collection<String> running) {
        BridgeRules.removeAll();
        defaultBridgeUp();
        for (String id : List.copyOf(unreadable)) {
            if (running.contains(id)) {
                LOG.warning("container " + id + " runs with an unreadable network record: its ports and names are not served until it restarts");
            } else {
                OrphanSandbox.cleanUp(id, netnsOf(id), ipamDir);
            }
            unreadable.remove(id);
        }
        for (Sandbox s : List.copyOf(sandboxes.values())) {
            if (!running.contains(s.containerId())) {
                down(s.containerId());
                continue;
            }
            ports.retake(s.ports());
            for (Attachment a : s.attachments()) {
                store.find(a.networkId()).ifPresent(n -> {
                    BridgeRules.up(n);
                    dns.serve(n);
                });
            }
        }
        scheduleIdleCheck();
    }

    // ---- inside ----

    private Sandbox attach(Sandbox s, Network n, EndpointRequest ep, List<PublishedPort> published, String ifname,
                           String containerName, String hostname) throws IOException {
        EndpointAddresses.check(n, ep);
        int mtu = n.mtu() > 0 ? n.mtu() : HostRoutes.defaultMtu();
        List<ObjectNode> plugins = BridgeChain.plugins(n, mtu, ipamDir, ep, published);
        reserveAuxiliaryAddresses(n);
        Cni.Target target = new Cni.Target(s.containerId(), Path.of(s.netns()), ifname);
        Set<String> names = new LinkedHashSet<>();
        names.add(containerName);
        names.addAll(ep.aliases());
        names.add(s.containerId().substring(0, 12));
        names.add(hostname);
        String endpointId = dev.berth.host.Ids.random();
        // recorded before the ADD: a daemon that dies during it undoes it at its next start
        Attachment pending = new Attachment(n.id(), n.name(), endpointId, ifname, ep.aliases(), List.copyOf(names), "", "", "", "", "",
                plugins, null, ep.links());
        List<Attachment> all = new ArrayList<>(s.attachments());
        all.add(pending);
        save(s.with(all, s.ports()));
        JsonNode result;
        hostLock.readLock().lock();
        try {
            BridgeDevice.ensure(n, mtu, false);
            BridgeRules.up(n);
            result = requireCni().add(n.cniName(), plugins, target);
            try {
                EndpointAddresses.addLinkLocal(s, ifname, ep.linkLocalIps());
            } catch (IOException | RuntimeException e) {
                requireCni().del(n.cniName(), plugins, target, result);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            all.remove(pending);
            save(s.with(all, s.ports()));
            if (e instanceof RuntimeException refused) {
                throw refused;
            }
            throw new IOException("joining the network " + n.name() + ": " + e.getMessage(), e);
        } finally {
            hostLock.readLock().unlock();
        }
        Attachment a = pending.made(result, ifname);
        all.set(all.size() - 1, a);
        Sandbox after = s.with(all, s.ports());
        save(after);
        dns.serve(n);
        events.emit("network", "connect", n.id(), Map.of("container", s.containerId(), "name", n.name(), "type", n.driver()));
        return after;
    }

    private void detach(Sandbox s, Attachment a) throws IOException {
        hostLock.readLock().lock();
        try {
            requireCni().del(Network.cniName(a.networkId(), a.networkName()), a.plugins(), new Cni.Target(s.containerId(), Path.of(s.netns()), a.ifname()), a.result());
        } finally {
            hostLock.readLock().unlock();
        }
        events.emit("network", "disconnect", a.networkId(), Map.of("container", s.containerId(), "name", a.networkName(), "type", "bridge"));
    }

    /**
     * The network's auxiliary addresses as leases of host-local's own (a file named by the address in its data
     * directory, which it never hands out again), made again after a reboot emptied the runroot.
     */
    private void reserveAuxiliaryAddresses(Network n) throws IOException {
        Path leases = ipamDir.resolve(n.cniName());
        for (Network.Pool p : n.pools()) {
            for (String ip : p.auxAddresses().values()) {
                Files.createDirectories(leases);
                Path lease = leases.resolve(Cidr.canonical(Cidr.address(ip, ip)));
                if (!Files.exists(lease, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.writeString(lease, "berth-auxiliary-address");
                }
            }
        }
    }

    private Cni requireCni() {
        return cni.orElseThrow(() -> EngineException.invalid(
                "the CNI plugins are not installed (Debian's containernetworking-plugins, in /usr/lib/cni): containers cannot join networks"));
    }

    private void save(Sandbox s) throws IOException {
        sandboxes.put(s.containerId(), s);
        AtomicFiles.write(sandboxDir.resolve(s.containerId() + ".json"), JSON.writeValueAsBytes(s));
    }

    /** The named network namespace of a container's sandbox. */
    private static Path netnsOf(String containerId) {
        return NETNS_DIR.resolve("berth-" + containerId.substring(0, 16));
    }

    private static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    // ---- idle clean-up ----

    private synchronized void scheduleIdleCheck() {
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        idleCheck = idleTimer.schedule(() -> removeIdle(false), IDLE_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Bridges (and their DNS servers) of networks no container is on, but the default one while the daemon
     * runs; the shared chains when no container is on any network.
     */
    /** @param closing the daemon stops: the default bridge goes too when no container is on it */
    private void removeIdle(boolean closing) {
        hostLock.writeLock().lock();
        try {
            Set<String> inUse = new HashSet<>();
            sandboxes.values().forEach(s -> s.attachments().forEach(a -> inUse.add(a.networkId())));
            for (Network n : store.list()) {
                if (n.bridged() && !inUse.contains(n.id()) && (closing || !n.name().equals(Network.DEFAULT_BRIDGE))) {
                    removeBridge(n);
                }
            }
            if (inUse.isEmpty()) {
                HostChains.removeIdle();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "removing idle network resources: " + e.getMessage(), e);
        } finally {
            hostLock.writeLock().unlock();
        }
    }

    /** Stops the network's DNS server and deletes its bridge; holding the host lock alone. */
    private void removeBridge(Network n) {
        BridgeRules.down(n);
        dns.stop(n.id());
        if (n.bridged()) {
            BridgeDevice.delete(n);
        }
    }

    /** Stops the DNS servers; idle bridges and chains go now rather than after the grace. Containers' sandboxes stay (live restore). */
    @Override
    public void close() {
        restored.join();
        idleTimer.shutdownNow();
        awaitTeardowns();
        removeIdle(true);
        dns.close();
    }
}
