package dev.berth.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.errors.EngineException;
import dev.berth.host.AtomicFiles;
import dev.berth.host.EngineJson;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Networks on disk ({@code networks/<id>.json}, each written atomically) and in memory: lookups by id,
 * name or id prefix as dockerd does them, and new networks checked and given their subnets.
 */
final class NetworkStore {

    static final String MTU_OPTION = "com.docker.network.driver.mtu";
    static final String BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";
    static final String DEFAULT_BRIDGE_DEVICE = "berth0";
    private static final ObjectMapper JSON = EngineJson.MAPPER;

    private final Path dir;
    private final Map<String, Network> byId = new LinkedHashMap<>();

    NetworkStore(Path root) throws IOException {
        this.dir = Files.createDirectories(root.resolve("networks"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                AtomicFiles.readOrSetAside(f, x -> JSON.readValue(x.toFile(), Network.class)).ifPresent(n -> byId.put(n.id(), n));
            }
        }
        if (find("host").isEmpty()) {
            save(new Network(dev.berth.host.Ids.random(), "host", "host", Instant.now().toString(), false, false, List.of(), Map.of(), Map.of(), 0, ""));
        }
        if (find("none").isEmpty()) {
            save(new Network(dev.berth.host.Ids.random(), "none", "null", Instant.now().toString(), false, false, List.of(), Map.of(), Map.of(), 0, ""));
        }
        if (find(Network.DEFAULT_BRIDGE).isEmpty()) {
            Map<String, String> options = new LinkedHashMap<>();
            options.put("com.docker.network.bridge.default_bridge", "true");
            options.put("com.docker.network.bridge.enable_icc", "true");
            options.put("com.docker.network.bridge.enable_ip_masquerade", "true");
            options.put("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0");
            options.put(BRIDGE_NAME_OPTION, DEFAULT_BRIDGE_DEVICE);
            create(new NetworkCreate(Network.DEFAULT_BRIDGE, "bridge", false, false, List.of(), Map.of(), options));
        }
    }

    synchronized List<Network> list() {
        return byId.values().stream().sorted(Comparator.comparing(Network::name)).toList();
    }

    /** By full id, then by name, then by a unique id prefix; 404 as dockerd words it. */
    synchronized Network get(String ref) {
        return find(ref).orElseThrow(() -> EngineException.notFound("network " + ref + " not found"));
    }

    synchronized Optional<Network> find(String ref) {
        if (ref == null || ref.isEmpty()) {
            return Optional.empty();
        }
        Network exact = byId.get(ref);
        if (exact != null) {
            return Optional.of(exact);
        }
        Optional<Network> named = byId.values().stream().filter(n -> n.name().equals(ref)).findFirst();
        if (named.isPresent()) {
            return named;
        }
        List<Network> prefixed = byId.values().stream().filter(n -> n.id().startsWith(ref)).toList();
        if (prefixed.size() > 1) {
            throw EngineException.invalid("network " + ref + " is ambiguous (" + prefixed.size() + " matches found based on ID prefix)");
        }
        return prefixed.stream().findFirst();
    }

    synchronized Network create(NetworkCreate c) throws IOException {
        if (c.name() == null || c.name().isEmpty()) {
            throw EngineException.invalid("network name is required (Name)");
        }
        // dockerd takes any name (a leading underscore, a space); control characters would only garble logs and output
        if (c.name().chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw EngineException.invalid("invalid network name: it has control characters");
        }
        if (byId.values().stream().anyMatch(n -> n.name().equals(c.name()))) {
            throw EngineException.conflict("network with name " + c.name() + " already exists");
        }
        String driver = c.driver() == null || c.driver().isEmpty() ? "bridge" : c.driver();
        if (!driver.equals("bridge")) {
            throw EngineException.notImplemented("Berth does not implement the " + driver + " network driver yet (only bridge)");
        }
        int mtu = 0;
        String mtuText = c.options().get(MTU_OPTION);
        if (mtuText != null) {
            try {
                mtu = Integer.parseInt(mtuText);
            } catch (NumberFormatException e) {
                mtu = -1;
            }
            if (mtu < 68 || mtu > 65535) {
                throw EngineException.invalid("invalid MTU " + mtuText + " (" + MTU_OPTION + "): between 68 and 65535");
            }
        }
        String id = dev.berth.host.Ids.random();
        String bridge = c.options().getOrDefault(BRIDGE_NAME_OPTION, "br-" + id.substring(0, 12));
        if (bridge.length() > 15 || !bridge.matches("[a-zA-Z0-9_.-]+")) {
            throw EngineException.invalid("invalid bridge name " + bridge + " (" + BRIDGE_NAME_OPTION + "): at most 15 letters, digits, _ . -");
        }
        if (byId.values().stream().anyMatch(n -> n.bridge().equals(bridge))) {
            throw EngineException.conflict("the bridge " + bridge + " belongs to another network");
        }
        List<Network.Pool> pools = new ArrayList<>();
        List<Network.Pool> asked = c.pools() == null ? List.of() : c.pools();
        Network.Pool v4 = asked.stream().filter(p -> isV4(p.subnet())).findFirst().orElse(null);
        pools.add(pool(v4 == null ? new Network.Pool("", "", "") : v4, true));
        if (c.ipv6()) {
            Network.Pool v6 = asked.stream().filter(p -> p.subnet() != null && p.subnet().contains(":")).findFirst()
                    .orElse(new Network.Pool(randomUla(), "", ""));
            pools.add(pool(v6, false));
        }
        // without IPv6 on the network, an IPv6 pool is kept as given and never used, as dockerd keeps it
        List<Network.Pool> dormant = c.ipv6() ? List.of() : asked.stream().filter(p -> p.subnet() != null && p.subnet().contains(":"))
                .toList();
        if (asked.stream().filter(p -> isV4(p.subnet())).count() > 1) {
            throw EngineException.notImplemented("Berth does not implement several IPv4 subnets on one network yet");
        }
        Network n = new Network(id, c.name(), driver, Instant.now().toString(), c.internal(), c.ipv6(), List.copyOf(pools),
                Map.copyOf(c.labels()), Map.copyOf(c.options()), mtu, bridge, c.ipamOptions() == null ? Map.of() : c.ipamOptions(), dormant);
        save(n);
        return n;
    }

    synchronized void remove(Network n) throws IOException {
        byId.remove(n.id());
        Files.deleteIfExists(dir.resolve(n.id() + ".json"));
    }

    private void save(Network n) throws IOException {
        AtomicFiles.write(dir.resolve(n.id() + ".json"), JSON.writeValueAsBytes(n));
        byId.put(n.id(), n);
    }

    /** A pool checked against the others and the host's routes; an empty subnet gets the first free one, as dockerd picks them. */
    private Network.Pool pool(Network.Pool asked, boolean v4) {
        Cidr subnet;
        if (asked.subnet() == null || asked.subnet().isEmpty()) {
            if ((asked.gateway() != null && !asked.gateway().isEmpty()) || (asked.ipRange() != null && !asked.ipRange().isEmpty())) {
                throw EngineException.invalid("a gateway or IP range needs a subnet (--subnet)");
            }
            subnet = freeSubnet();
        } else {
            subnet = Cidr.parse(asked.subnet());
            if (!subnet.equals(subnet.network())) {
                throw EngineException.invalid("invalid subnet " + asked.subnet() + ": it has host bits set (did you mean " + subnet.network() + "?)");
            }
            if (subnet.prefix() > (v4 ? 30 : 126)) {
                throw EngineException.invalid("the subnet " + subnet + " is too small for a gateway and a container");
            }
            for (Network other : byId.values()) {
                for (Network.Pool p : other.pools()) {
                    if (Cidr.parse(p.subnet()).overlaps(subnet)) {
                        throw EngineException.forbidden("invalid pool request: Pool overlaps with other one on this address space ("
                                + subnet + " and " + p.subnet() + " of network " + other.name() + ")");
                    }
                }
            }
        }
        String gateway = asked.gateway() == null || asked.gateway().isEmpty() ? subnet.host(1).getHostAddress() : asked.gateway();
        InetAddress gw = Cidr.address(gateway, "invalid gateway address " + gateway);
        if (!subnet.contains(gw) || gw.equals(subnet.network().address()) || (v4 && gw.equals(subnet.last()))) {
            throw EngineException.invalid("invalid gateway " + gateway + ": it must be a host address of the subnet " + subnet);
        }
        String range = asked.ipRange() == null ? "" : asked.ipRange();
        if (!range.isEmpty()) {
            Cidr r = Cidr.parse(range);
            if (!r.equals(r.network()) || !subnet.contains(r.address()) || r.prefix() < subnet.prefix()) {
                throw EngineException.invalid("invalid IP range " + range + ": it must be a subnet inside " + subnet);
            }
        }
        Map<String, String> aux = new java.util.TreeMap<>();
        for (var e : asked.auxAddresses().entrySet()) {
            InetAddress a = Cidr.address(e.getValue(), "invalid auxiliary address " + e.getKey() + "=" + e.getValue());
            if (!subnet.contains(a)) {
                throw EngineException.invalid("invalid auxiliary address " + e.getKey() + "=" + e.getValue() + ": not in the subnet " + subnet);
            }
            aux.put(e.getKey(), a.getHostAddress());
        }
        return new Network.Pool(subnet.toString(), gw.getHostAddress(), range, aux);
    }

    /** dockerd's default pools: 172.17-31.0.0/16, then 192.168.0-240.0/20; never one the host routes or a network has. */
    private Cidr freeSubnet() {
        List<Cidr> taken = new ArrayList<>(HostRoutes.taken(byId.values().stream().map(Network::bridge).toList()));
        byId.values().forEach(n -> n.pools().forEach(p -> taken.add(Cidr.parse(p.subnet()))));
        List<Cidr> candidates = new ArrayList<>();
        for (int b = 17; b <= 31; b++) {
            candidates.add(Cidr.parse("172." + b + ".0.0/16"));
        }
        for (int c = 0; c <= 240; c += 16) {
            candidates.add(Cidr.parse("192.168." + c + ".0/20"));
        }
        return candidates.stream().filter(s -> taken.stream().noneMatch(s::overlaps)).findFirst()
                .orElseThrow(() -> EngineException.forbidden("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network"));
    }

    private static boolean isV4(String subnet) {
        return subnet != null && !subnet.isEmpty() && !subnet.contains(":");
    }

    /** A unique local IPv6 /64 (fd00::/8 and a random 40-bit global id), for --ipv6 without a subnet. */
    private static String randomUla() {
        byte[] b = new byte[5];
        new SecureRandom().nextBytes(b);
        String h = HexFormat.of().formatHex(b);
        return "fd" + h.substring(0, 2) + ":" + h.substring(2, 6) + ":" + h.substring(6, 10) + "::/64";
    }
}
