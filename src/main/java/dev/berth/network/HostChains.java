package dev.berth.network;

import dev.berth.host.HostCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The firewall chains the CNI portmap plugin shares between containers and never removes (CNI-HOSTPORT-*)
 * are removed once no container uses them, with
 * the rules that jump to them, so that a host without containers has the rules it had before. A chain
 * that still holds any container's rule (another CNI user's too) stays.
 */
final class HostChains {

    private static final Logger LOG = Logger.getLogger(HostChains.class.getName());
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    /** A shared chain and the rules it holds when no container uses it. */
    private record Shared(String table, String chain, List<String> idleRules) {}

    private static final List<Shared> SHARED = List.of(
            new Shared("nat", "CNI-HOSTPORT-DNAT", List.of()),
            new Shared("nat", "CNI-HOSTPORT-SETMARK", List.of("-m comment --comment \"CNI portfwd masquerade mark\" -j MARK --set-xmark 0x2000/0x2000")),
            new Shared("nat", "CNI-HOSTPORT-MASQ", List.of("-m mark --mark 0x2000/0x2000 -j MASQUERADE")));

    private HostChains() {}

    /** Removes the shared chains that hold nothing but their own rules, for IPv4 and IPv6. */
    static void removeIdle() {
        for (String family : List.of("iptables", "ip6tables")) {
            try {
                removeIdle(family);
            } catch (IOException e) {
                LOG.fine(family + ": " + e.getMessage());
            }
        }
    }

    private static void removeIdle(String family) throws IOException {
        HostCommand.Result saved = HostCommand.run(List.of(family + "-save"), Map.of(), new byte[0], DEADLINE);
        if (!saved.ok()) {
            return;
        }
        Map<String, List<String>> rulesByTable = new LinkedHashMap<>();
        String table = "";
        for (String line : saved.stdout().split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1);
            } else if (line.startsWith("-A ")) {
                rulesByTable.computeIfAbsent(table, t -> new ArrayList<>()).add(line.substring(3));
            }
        }
        List<Shared> idle = new ArrayList<>();
        for (Shared s : SHARED) {
            List<String> own = rulesByTable.getOrDefault(s.table(), List.of()).stream().filter(r -> r.startsWith(s.chain() + " "))
                    .map(r -> r.substring(s.chain().length() + 1)).toList();
            if (saved.stdout().contains(":" + s.chain() + " ") && own.equals(s.idleRules())) {
                idle.add(s);
            }
        }
        // a chain that something else jumps to (but the built-in chains and other idle shared ones) stays
        boolean changed = true;
        while (changed) {
            changed = idle.removeIf(s -> jumps(rulesByTable, s).anyMatch(r -> !builtIn(r)
                    && idle.stream().noneMatch(o -> o.table().equals(s.table()) && r.startsWith(o.chain() + " "))));
        }
        Map<String, StringBuilder> script = new LinkedHashMap<>();
        for (Shared s : idle) {
            StringBuilder b = script.computeIfAbsent(s.table(), t -> new StringBuilder("*" + t + "\n"));
            jumps(rulesByTable, s).filter(HostChains::builtIn).forEach(r -> b.append("-D ").append(r).append('\n'));
        }
        // flush every chain first (their rules may jump to each other), then delete them
        idle.forEach(s -> script.get(s.table()).append("-F ").append(s.chain()).append('\n'));
        idle.forEach(s -> script.get(s.table()).append("-X ").append(s.chain()).append('\n'));
        if (script.isEmpty()) {
            return;
        }
        StringBuilder all = new StringBuilder();
        script.values().forEach(b -> all.append(b).append("COMMIT\n"));
        HostCommand.Result r = HostCommand.run(List.of(family + "-restore", "--noflush"), Map.of(),
                all.toString().getBytes(StandardCharsets.UTF_8), DEADLINE);
        if (!r.ok()) {
            LOG.warning(family + ": could not remove the idle CNI chains " + idle.stream().map(Shared::chain).toList() + ": " + r.stderr().strip());
        }
    }

    private static java.util.stream.Stream<String> jumps(Map<String, List<String>> rulesByTable, Shared s) {
        return rulesByTable.getOrDefault(s.table(), List.of()).stream().filter(r -> r.endsWith("-j " + s.chain()));
    }

    private static boolean builtIn(String rule) {
        return rule.matches("(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) .*");
    }
}
