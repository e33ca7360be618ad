package dev.berth.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * What networking leaves on the host: network namespaces, links and firewall rules (IPv4 and IPv6). Tests
 * take one before a daemon starts and compare after it stopped: identical. Tables that only came into
 * being empty (their built-in chains, no rule) count as nothing, as they hold nothing.
 */
public record HostNetworkState(Set<String> namespaces, Set<String> links, Map<String, Set<String>> rules) {

    private static final Set<String> BUILT_IN = Set.of("INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING");

    public static HostNetworkState now() throws Exception {
        Set<String> namespaces = new TreeSet<>();
        run("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).filter(l -> !l.isBlank()).forEach(namespaces::add);
        Set<String> links = new TreeSet<>();
        run("ip", "-o", "link", "show").lines().map(l -> l.split(":")[1].strip().split("@")[0]).forEach(links::add);
        Map<String, Set<String>> rules = new LinkedHashMap<>();
        for (String family : List.of("iptables", "ip6tables")) {
            Set<String> lines = new TreeSet<>();
            String table = "";
            for (String line : run(family + "-save").split("\n")) {
                if (line.startsWith("*")) {
                    table = line.substring(1);
                } else if (line.startsWith("-A ")) {
                    lines.add(table + " " + line);
                } else if (line.startsWith(":") && !BUILT_IN.contains(line.substring(1).split(" ")[0])) {
                    lines.add(table + " " + line.split(" ")[0]);
                }
            }
            rules.put(family, lines);
        }
        return new HostNetworkState(namespaces, links, rules);
    }

    /** What is here now that was not in {@code before}, as text (empty: nothing). */
    public String addedSince(HostNetworkState before) {
        StringBuilder out = new StringBuilder();
        namespaces.stream().filter(n -> !before.namespaces.contains(n)).forEach(n -> out.append("netns ").append(n).append('\n'));
        links.stream().filter(n -> !before.links.contains(n)).forEach(n -> out.append("link ").append(n).append('\n'));
        rules.forEach((family, lines) -> lines.stream().filter(l -> !before.rules.get(family).contains(l))
                .forEach(l -> out.append(family).append(' ').append(l).append('\n')));
        before.rules.forEach((family, lines) -> lines.stream().filter(l -> !rules.get(family).contains(l))
                .forEach(l -> out.append(family).append(" removed: ").append(l).append('\n')));
        return out.toString();
    }

    /**
     * A reboot's part for networking: the namespaces, links and rules made since {@code before} go (the
     * namespaces and links with the kernel's state, the rules as at boot).
     */
    public static void rebootTo(HostNetworkState before) throws Exception {
        HostNetworkState now = now();
        for (String n : now.namespaces) {
            if (!before.namespaces.contains(n)) {
                run("ip", "netns", "delete", n);
            }
        }
        for (String l : now().links) {
            if (!before.links.contains(l)) {
                run("ip", "link", "delete", l);
            }
        }
        for (String family : List.of("iptables", "ip6tables")) {
            Map<String, StringBuilder> script = new LinkedHashMap<>();
            List<String> chains = new ArrayList<>();
            for (String l : now.rules.get(family)) {
                if (before.rules.get(family).contains(l)) {
                    continue;
                }
                String table = l.substring(0, l.indexOf(' '));
                String rest = l.substring(table.length() + 1);
                StringBuilder b = script.computeIfAbsent(table, t -> new StringBuilder("*" + t + "\n"));
                if (rest.startsWith("-A ")) {
                    b.append("-D ").append(rest.substring(3)).append('\n');
                } else {
                    chains.add(table + " " + rest.substring(1));
                }
            }
            for (String c : chains) {
                String[] tc = c.split(" ");
                script.computeIfAbsent(tc[0], t -> new StringBuilder("*" + t + "\n")).append("-X ").append(tc[1]).append('\n');
            }
            if (!script.isEmpty()) {
                StringBuilder all = new StringBuilder();
                script.values().forEach(b -> all.append(b).append("COMMIT\n"));
                Process p = new ProcessBuilder(family + "-restore", "--noflush").redirectErrorStream(true).start();
                p.getOutputStream().write(all.toString().getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IOException(family + "-restore failed: " + out + "\n" + all);
                }
            }
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish");
        }
        return out;
    }
}
