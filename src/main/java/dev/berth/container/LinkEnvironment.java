package dev.berth.container;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The variables a legacy link ({@code --link child:alias}) gives the linking container, as dockerd sets them:
 * {@code ALIAS_NAME=/parent/alias}, the child's exposed ports ({@code ALIAS_PORT}, the lowest TCP one first, and
 * {@code ALIAS_PORT_80_TCP} with its {@code _ADDR}, {@code _PORT} and {@code _PROTO}), and the child's own
 * environment as {@code ALIAS_ENV_NAME} (but HOME and PATH).
 */
final class LinkEnvironment {

    private LinkEnvironment() {}

    static List<String> of(String parentName, String alias, String childIp, java.util.Collection<String> exposedPorts, List<String> childEnv) {
        String prefix = alias.toUpperCase(Locale.ROOT).replace('-', '_');
        List<String> out = new ArrayList<>();
        List<String[]> ports = exposedPorts.stream().map(p -> p.contains("/") ? p.split("/", 2) : new String[] {p, "tcp"})
                .filter(p -> p[0].matches("\\d+"))
                .sorted(Comparator.<String[], Boolean>comparing(p -> !p[1].equals("tcp")).thenComparingInt(p -> Integer.parseInt(p[0])))
                .toList();
        if (!ports.isEmpty()) {
            out.add(prefix + "_PORT=" + ports.getFirst()[1] + "://" + childIp + ":" + ports.getFirst()[0]);
        }
        for (String[] p : ports) {
            String key = prefix + "_PORT_" + p[0] + "_" + p[1].toUpperCase(Locale.ROOT);
            out.add(key + "=" + p[1] + "://" + childIp + ":" + p[0]);
            out.add(key + "_ADDR=" + childIp);
            out.add(key + "_PORT=" + p[0]);
            out.add(key + "_PROTO=" + p[1]);
        }
        out.add(prefix + "_NAME=/" + parentName + "/" + alias);
        for (String e : childEnv) {
            String[] kv = e.split("=", 2);
            if (kv.length == 2 && !kv[0].equals("HOME") && !kv[0].equals("PATH")) {
                out.add(prefix + "_ENV_" + kv[0] + "=" + kv[1]);
            }
        }
        return out;
    }
}
