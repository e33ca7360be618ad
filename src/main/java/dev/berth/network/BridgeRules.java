package dev.berth.network;

import dev.berth.host.HostCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * A bridge network's firewall rules, set once while its bridge is up (per network rather than per
 * container: the CNI bridge plugin's ipMasq and the firewall plugin rewrite the tables on every start and
 * stop, some 130 ms of a {@code docker run --rm}). Each rule carries the comment {@code berth <bridge>}.
 * <ul>
 * <li>Isolation, for IPv4 and IPv6, whatever the host's FORWARD policy: a chain of Berth's, jumped to first
 * from FORWARD, lets into a bridge only its own traffic, replies, and connections DNAT'd to a published
 * port; every rule that matches traffic into a bridge stands above every rule that lets traffic out of one,
 * so no network's way out is another network's way in (dockerd's DOCKER-ISOLATION chains). An internal
 * network's traffic does not leave it.</li>
 * <li>Host loopback: portmap turns {@code route_localnet} on for the bridge (so that 127.0.0.1 reaches
 * published ports), which would also let a container route frames to the host's 127.0.0.0/8 through its
 * gateway; the raw table drops those (the kube-proxy fix of CVE-2020-8558). Replies to the host's own
 * connections still have the gateway as their destination there, before conntrack restores 127.0.0.1.</li>
 * <li>Outbound NAT for the network's IPv4 subnets, but on internal networks.</li>
 * </ul>
 */
final class BridgeRules {

    private static final Logger LOG = Logger.getLogger(BridgeRules.class.getName());
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** Berth's forwarding chain; FORWARD jumps to it first. */
    static final String CHAIN = "BERTH-FORWARD";
    private static final String JUMP = "FORWARD -m comment --comment \"berth isolation\" -j " + CHAIN;
    private static final List<String> FAMILIES = List.of("iptables", "ip6tables");

    /** The bridges whose rules are set: the chain exists while there is one. */
    private static final Set<String> UP = new HashSet<>();

    private BridgeRules() {}

    static synchronized void up(Network n) {
        boolean first = UP.isEmpty();
        if (!UP.add(n.bridge())) {
            return;
        }
        for (String family : FAMILIES) {
            StringBuilder script = new StringBuilder("*filter\n");
            if (first) {
                script.append(':').append(CHAIN).append(" - [0:0]\n").append("-I ").append(JUMP).append('\n');
            }
            filterRules(n, true).forEach(r -> script.append(r).append('\n'));
            script.append("COMMIT\n");
            if (family.equals("iptables")) {
                script.append(natAndRawRules(n, true));
            }
            restore(family, script.toString());
        }
    }

    static synchronized void down(Network n) {
        if (!UP.remove(n.bridge())) {
            return;
        }
        boolean last = UP.isEmpty();
        for (String family : FAMILIES) {
            StringBuilder script = new StringBuilder("*filter\n");
            filterRules(n, false).forEach(r -> script.append(r).append('\n'));
            if (last) {
                script.append("-D ").append(JUMP).append('\n').append("-F ").append(CHAIN).append('\n').append("-X ").append(CHAIN).append('\n');
            }
            script.append("COMMIT\n");
            if (family.equals("iptables")) {
                script.append(natAndRawRules(n, false));
            }
            restore(family, script.toString());
        }
    }

    /**
     * The rules into the bridge are inserted at the chain's top, those out of it appended: with every
     * network's, the first kind all stand above the second.
     */
    private static List<String> filterRules(Network n, boolean add) {
        String br = n.bridge();
        String tag = " -m comment --comment \"berth " + br + "\"";
        List<String> in = new ArrayList<>();
        in.add(CHAIN + " -o " + br + " -m conntrack --ctstate RELATED,ESTABLISHED" + tag + " -j ACCEPT");
        in.add(CHAIN + " -i " + br + " -o " + br + tag + " -j ACCEPT");
        if (!n.internal()) {
            in.add(CHAIN + " -o " + br + " -m conntrack --ctstate DNAT" + tag + " -j ACCEPT");
        }
        in.add(CHAIN + " -o " + br + tag + " -j DROP");
        String out = CHAIN + " -i " + br + tag + (n.internal() ? " -j DROP" : " -j ACCEPT");
        List<String> rules = new ArrayList<>();
        if (add) {
            in.reversed().forEach(r -> rules.add("-I " + r));
            rules.add("-A " + out);
        } else {
            in.forEach(r -> rules.add("-D " + r));
            rules.add("-D " + out);
        }
        return rules;
    }

    private static String natAndRawRules(Network n, boolean add) {
        String br = n.bridge();
        String tag = " -m comment --comment \"berth " + br + "\"";
        String op = add ? "-A " : "-D ";
        StringBuilder script = new StringBuilder("*raw\n").append(op).append("PREROUTING -i ").append(br).append(" -d 127.0.0.0/8")
                .append(tag).append(" -j DROP\nCOMMIT\n");
        if (!n.internal()) {
            StringBuilder nat = new StringBuilder();
            for (Network.Pool p : n.pools()) {
                if (!p.subnet().contains(":")) {
                    nat.append(op).append("POSTROUTING -s ").append(p.subnet()).append(" ! -o ").append(br).append(tag).append(" -j MASQUERADE\n");
                }
            }
            if (!nat.isEmpty()) {
                script.append("*nat\n").append(nat).append("COMMIT\n");
            }
        }
        return script.toString();
    }

    /** At daemon start: whatever rules of Berth's are there go, with its chain, so that {@link #up} starts from none. */
    static synchronized void removeAll() {
        UP.clear();
        for (String family : FAMILIES) {
            try {
                HostCommand.Result saved = HostCommand.run(List.of(family + "-save"), Map.of(), new byte[0], DEADLINE);
                if (saved.ok()) {
                    restore(family, removalScript(saved.stdout()));
                }
            } catch (IOException e) {
                LOG.warning("could not read the firewall rules (" + family + "): " + e.getMessage());
            }
        }
    }

    /** What deletes every rule of Berth's in an iptables-save listing, and its chain (flushed with what it holds). */
    static String removalScript(String saved) {
        StringBuilder script = new StringBuilder();
        String table = "";
        List<String> commands = new ArrayList<>();
        for (String line : saved.split("\n")) {
            if (line.startsWith("*")) {
                flush(script, table, commands);
                table = line.substring(1);
                commands.clear();
            } else if (line.startsWith("-A ") && line.contains("--comment \"berth ") && !line.startsWith("-A " + CHAIN + " ")) {
                commands.add("-D " + line.substring(3));
            } else if (line.startsWith(":" + CHAIN + " ")) {
                commands.add("-F " + CHAIN);
                commands.add("-X " + CHAIN);
            }
        }
        flush(script, table, commands);
        return script.toString();
    }

    /** A table's commands, the chain's removal after the rules (the jump among them) that lead to it. */
    private static void flush(StringBuilder script, String table, List<String> commands) {
        if (!commands.isEmpty()) {
            script.append('*').append(table).append('\n');
            commands.stream().filter(c -> c.startsWith("-D ")).forEach(d -> script.append(d).append('\n'));
            commands.stream().filter(c -> !c.startsWith("-D ")).forEach(c -> script.append(c).append('\n'));
            script.append("COMMIT\n");
        }
    }

    private static void restore(String family, String script) {
        if (script.isEmpty()) {
            return;
        }
        try {
            HostCommand.Result r = HostCommand.run(List.of(family + "-restore", "--noflush", "--wait"), Map.of(),
                    script.getBytes(StandardCharsets.UTF_8), DEADLINE);
            if (!r.ok()) {
                LOG.warning("firewall rules of Berth's bridges (" + family + "): " + r.stderr().strip());
            }
        } catch (IOException e) {
            LOG.warning("firewall rules of Berth's bridges (" + family + "): " + e.getMessage());
        }
    }
}
