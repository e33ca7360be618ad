package dev.berth.network;

import dev.berth.errors.EngineException;
import dev.berth.host.HostCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A network's Linux bridge. Berth makes it itself and marks it with an interface alias naming the network,
 * so that it only ever configures or deletes a bridge it made: a {@code com.docker.network.bridge.name}
 * naming an interface of the host's ({@code br0}, {@code docker0}) is refused, never taken over.
 */
final class BridgeDevice {

    private static final Logger LOG = Logger.getLogger(BridgeDevice.class.getName());
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String ALIAS_PREFIX = "berth-network-";

    private BridgeDevice() {}

    static boolean exists(String name) {
        return Files.exists(sysfs(name));
    }

    /** Refuses a bridge name that some interface of the host's has. */
    static void checkFree(String name) {
        if (exists(name)) {
            throw EngineException.forbidden("the bridge name " + name + " (" + NetworkStore.BRIDGE_NAME_OPTION
                    + ") is an existing interface of the host's, which Berth does not take over: choose a name no interface has");
        }
    }

    /**
     * Makes the network's bridge when it is not there (with its gateway addresses and up when {@code withAddresses};
     * else the CNI bridge plugin adds them); refuses to use an interface of that name that Berth did not make.
     */
    static synchronized void ensure(Network n, int mtu, boolean withAddresses) throws IOException {
        if (exists(n.bridge())) {
            if (!ours(n)) {
                throw EngineException.forbidden("network " + n.name() + ": the interface " + n.bridge()
                        + " exists but was not made by Berth; remove it or the network");
            }
            return;
        }
        StringBuilder batch = new StringBuilder("link add ").append(n.bridge()).append(" type bridge\n")
                .append("link set ").append(n.bridge()).append(" mtu ").append(mtu).append(" alias ").append(alias(n)).append('\n');
        if (withAddresses) {
            for (Network.Pool p : n.pools()) {
                batch.append("address add ").append(p.gateway()).append('/').append(Cidr.parse(p.subnet()).prefix())
                        .append(" dev ").append(n.bridge()).append('\n');
            }
            batch.append("link set ").append(n.bridge()).append(" up\n");
        }
        HostCommand.Result r = HostCommand.run(List.of("ip", "-batch", "-"), Map.of(), batch.toString().getBytes(StandardCharsets.UTF_8), DEADLINE);
        if (!r.ok()) {
            throw new IOException("could not make the bridge " + n.bridge() + " of network " + n.name() + ": " + r.stderr().strip());
        }
    }

    /** Deletes the bridge if it is there and Berth's. */
    static void delete(Network n) {
        if (!exists(n.bridge())) {
            return;
        }
        if (!ours(n)) {
            LOG.warning("network " + n.name() + ": the interface " + n.bridge() + " was not made by Berth: left as it is");
            return;
        }
        try {
            HostCommand.check(DEADLINE, "ip", "link", "delete", n.bridge());
        } catch (IOException e) {
            LOG.fine(e.getMessage());
        }
    }

    /**
     * Marked as made by Berth (for this network, or for one of an earlier root: containers outlive a daemon, and a
     * killed one leaves its default bridge); or, unmarked, with a name only Berth gives (the default bridge's, or
     * {@code br-<id>}): made by an earlier version that did not mark its bridges.
     */
    private static boolean ours(Network n) {
        String alias;
        try {
            alias = Files.readString(sysfs(n.bridge()).resolve("ifalias")).strip();
        } catch (IOException e) {
            return false;
        }
        if (!alias.isEmpty()) {
            return alias.startsWith(ALIAS_PREFIX);
        }
        boolean berthsName = n.bridge().equals("br-" + n.id().substring(0, 12)) || n.bridge().equals(NetworkStore.DEFAULT_BRIDGE_DEVICE);
        return berthsName && Files.isDirectory(sysfs(n.bridge()).resolve("bridge"));
    }

    private static String alias(Network n) {
        return ALIAS_PREFIX + n.id().substring(0, 12);
    }

    private static Path sysfs(String name) {
        return Path.of("/sys/class/net", name);
    }
}
