package dev.berth.network;

import dev.berth.system.HostCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A bridge network's firewall rules, set once while its bridge is up, as dockerd sets docker0's: outbound
 * NAT for its subnet, and FORWARD rules that let its traffic through a chain whose policy drops (replies,
 * published ports) — or, on an internal network, keep it from leaving. Per network rather than per
 * container (the CNI bridge plugin's ipMasq and the firewall plugin rewrite the tables on every start and
 * stop, some 130 ms of a {@code docker run --rm}). Each rule carries the comment {@code berth <bridge>}.
 */
final class BridgeRules {

    private static final Logger LOG = Logger.getLogger(BridgeRules.class.getName());
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private BridgeRules() {}

    static void up(Network n) {
        apply(n, true);
    }

    static void down(Network n) {
        apply(n, false);
    }

    /** At daemon start: whatever rules of Berth's are there go, so that {@link #up} starts from none. */
    static void removeAll() {
        try {
            String saved = HostCommand.check(DEADLINE, "iptables-save");
            StringBuilder script = new StringBuilder();
            String table = "";
            List<String> deletes = new ArrayList<>();
            for (String line : saved.split("\n")) {
                if (line.startsWith("*")) {
                    flush(script, table, deletes);
                    table = line.substring(1);
                    deletes.clear();
                } else if (line.startsWith("-A ") && line.contains("--comment \"berth ")) {
                    deletes.add("-D " + line.substring(3));
                }
            }
            flush(script, table, deletes);
            restore(script.toString());
        } catch (IOException e) {
            LOG.warning("could not read the firewall rules: " + e.getMessage());
        }
    }

    private static void flush(StringBuilder script, String table, List<String> deletes) {
        if (!deletes.isEmpty()) {
            script.append('*').append(table).append('\n');
            deletes.forEach(d -> script.append(d).append('\n'));
            script.append("COMMIT\n");
        }
    }

    private static void apply(Network n, boolean add) {
        String br = n.bridge();
        String tag = " -m comment --comment \"berth " + br + "\"";
        String append = add ? "-A " : "-D ";
        String insert = add ? "-I " : "-D ";
        StringBuilder filter = new StringBuilder("*filter\n");
        StringBuilder nat = new StringBuilder("*nat\n");
        if (n.internal()) {
            filter.append(insert).append("FORWARD -i ").append(br).append(" ! -o ").append(br).append(tag).append(" -j DROP\n");
            filter.append(insert).append("FORWARD -o ").append(br).append(" ! -i ").append(br).append(tag).append(" -j DROP\n");
        }
        // inserted in this order, the internal network's drops end up above its accepts
        filter.append(insert).append("FORWARD -i ").append(br).append(" -o ").append(br).append(tag).append(" -j ACCEPT\n");
        if (!n.internal()) {
            filter.append(insert).append("FORWARD -i ").append(br).append(tag).append(" -j ACCEPT\n");
            filter.append(insert).append("FORWARD -o ").append(br).append(" -m conntrack --ctstate RELATED,ESTABLISHED,DNAT").append(tag)
                    .append(" -j ACCEPT\n");
            for (Network.Pool p : n.pools()) {
                if (!p.subnet().contains(":")) {
                    nat.append(append).append("POSTROUTING -s ").append(p.subnet()).append(" ! -o ").append(br).append(tag)
                            .append(" -j MASQUERADE\n");
                }
            }
        }
        String script = filter + "COMMIT\n" + (nat.length() > 5 ? nat + "COMMIT\n" : "");
        restore(script);
    }

    private static void restore(String script) {
        if (script.isEmpty()) {
            return;
        }
        try {
            HostCommand.Result r = HostCommand.run(List.of("iptables-restore", "--noflush", "--wait"), Map.of(),
                    script.getBytes(StandardCharsets.UTF_8), DEADLINE);
            if (!r.ok()) {
                LOG.warning("firewall rules of Berth's bridges: " + r.stderr().strip());
            }
        } catch (IOException e) {
            LOG.warning("firewall rules of Berth's bridges: " + e.getMessage());
        }
    }
}
