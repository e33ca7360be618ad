package dev.berth.network;

import java.util.List;
import java.util.Map;

/**
 * A network as the store keeps it. The predefined {@code bridge} (the default for {@code docker run}),
 * {@code host} and {@code none} always exist; user networks are bridges too.
 *
 * @param driver  bridge, host or null (none)
 * @param pools   the IPAM configuration: one IPv4 pool, and one IPv6 pool with {@code ipv6}
 * @param mtu     the MTU asked for with {@code com.docker.network.driver.mtu}, else 0: the host's default route's
 * @param bridge  the Linux bridge's name
 * @param ipamOptions the IPAM driver's options as given ({@code IPAM.Options}): kept and shown, the default driver takes none
 * @param dormantPools IPv6 pools given for a network without IPv6: kept and shown in its IPAM config, as dockerd
 *                     keeps them, but no address comes from them
 */
public record Network(String id, String name, String driver, String created, boolean internal, boolean ipv6,
                      List<Pool> pools, Map<String, String> labels, Map<String, String> options, int mtu, String bridge,
                      Map<String, String> ipamOptions, List<Pool> dormantPools) {

    public Network {
        ipamOptions = ipamOptions == null ? Map.of() : Map.copyOf(ipamOptions);    // none in networks saved before
        dormantPools = dormantPools == null ? List.of() : List.copyOf(dormantPools);
    }

    public Network(String id, String name, String driver, String created, boolean internal, boolean ipv6,
                   List<Pool> pools, Map<String, String> labels, Map<String, String> options, int mtu, String bridge) {
        this(id, name, driver, created, internal, ipv6, pools, labels, options, mtu, bridge, Map.of(), List.of());
    }

    /**
     * An address pool: the subnet, its gateway (the bridge's address), where container addresses come from, and
     * the auxiliary addresses (by name) that no container gets: used elsewhere on the subnet.
     */
    public record Pool(String subnet, String gateway, String ipRange, Map<String, String> auxAddresses) {
        public Pool {
            auxAddresses = auxAddresses == null ? Map.of() : Map.copyOf(auxAddresses);   // none in networks saved before
        }

        public Pool(String subnet, String gateway, String ipRange) {
            this(subnet, gateway, ipRange, Map.of());
        }
    }

    public static final String DEFAULT_BRIDGE = "bridge";

    /** The predefined networks cannot be removed. */
    public boolean predefined() {
        return List.of(DEFAULT_BRIDGE, "host", "none").contains(name);
    }

    /** Whether containers get an interface on it (bridge); host and none have none to give. */
    public boolean bridged() {
        return driver.equals("bridge");
    }

    /** The name CNI and host-local know it by (host-local keeps its leases in a directory of that name). */
    public String cniName() {
        return cniName(id, name);
    }

    /**
     * The network's name where CNI's rule for names allows it (and earlier networks all had such names), else its
     * id: a name such as {@code test 01} or {@code ../x}, which dockerd accepts, never becomes a path.
     */
    static String cniName(String id, String name) {
        return name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*") ? name : id;
    }

    /** Container names resolve on user networks only, as with dockerd: never on the default bridge. */
    public boolean servesDns() {
        return bridged() && !name.equals(DEFAULT_BRIDGE);
    }
}
