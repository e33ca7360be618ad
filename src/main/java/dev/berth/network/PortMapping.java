package dev.berth.network;

import dev.berth.errors.EngineException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A published port: a container port and the host address and port (or range of ports) it is reached on.
 *
 * @param hostIp       the host address to bind, "" for all of them (0.0.0.0)
 * @param hostPortLow  the host port, or the first of a range to pick from; 0 picks any free port
 * @param hostPortHigh the last of the range (equal to low for one port)
 */
public record PortMapping(String protocol, int containerPort, String hostIp, int hostPortLow, int hostPortHigh) {

    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp");

    /** The key Docker gives it ({@code 80/tcp}). */
    public String key() {
        return containerPort + "/" + protocol;
    }

    /** One host binding of a container port ({@code PortBindings} values): an address ("" for all) and a port or range ("" for any). */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record Binding(@com.fasterxml.jackson.annotation.JsonProperty("HostIp") String hostIp,
                          @com.fasterxml.jackson.annotation.JsonProperty("HostPort") String hostPort) {
        public Binding {
            hostIp = hostIp == null ? "" : hostIp;
            hostPort = hostPort == null ? "" : hostPort;
        }
    }

    /**
     * What a container publishes: {@code PortBindings} ({@code -p}), and with {@code PublishAllPorts}
     * ({@code -P}) every exposed port not bound otherwise, on any free host port.
     *
     * @param exposed the container's ExposedPorts (its image's and its own)
     */
    public static List<PortMapping> of(Map<String, List<Binding>> bindings, boolean publishAll, Collection<String> exposed) {
        List<PortMapping> out = new ArrayList<>();
        Set<String> bound = new LinkedHashSet<>();
        for (var entry : bindings.entrySet()) {
            String[] port = containerPort(entry.getKey());
            bound.add(port[0] + "/" + port[1]);
            if (entry.getValue() == null) {
                continue;
            }
            for (Binding given : entry.getValue()) {
                Binding b = given == null ? new Binding("", "") : given;
                String hostIp = b.hostIp();
                if (!hostIp.isEmpty()) {
                    Cidr.address(hostIp.replaceAll("^\\[|]$", ""), "invalid host IP " + hostIp + " for port " + entry.getKey());
                }
                int[] range = hostPorts(b.hostPort(), entry.getKey());
                out.add(new PortMapping(port[1], Integer.parseInt(port[0]), hostIp.replaceAll("^\\[|]$", ""), range[0], range[1]));
            }
        }
        if (publishAll) {
            for (String key : exposed) {
                String[] port = containerPort(key);
                if (bound.add(port[0] + "/" + port[1])) {
                    out.add(new PortMapping(port[1], Integer.parseInt(port[0]), "", 0, 0));
                }
            }
        }
        return out;
    }

    /** {@code 80}, {@code 80/tcp}, {@code 53/udp} as [port, protocol]. */
    static String[] containerPort(String key) {
        String[] parts = key.split("/", -1);
        String protocol = parts.length > 1 ? parts[1].toLowerCase(java.util.Locale.ROOT) : "tcp";
        if (parts.length > 2 || !PROTOCOLS.contains(protocol)) {
            if (protocol.equals("sctp")) {
                throw EngineException.notImplemented("Berth does not implement publishing SCTP ports yet (" + key + ")");
            }
            throw EngineException.invalid("invalid port specification: \"" + key + "\" (the protocol must be tcp or udp)");
        }
        if (port(parts[0]) < 1) {
            throw EngineException.invalid("invalid port specification: \"" + key + "\"");
        }
        return new String[] {String.valueOf(port(parts[0])), protocol};
    }

    /** A host port, a range {@code 8000-8010}, or empty (any). */
    private static int[] hostPorts(String text, String key) {
        if (text.isEmpty()) {
            return new int[] {0, 0};
        }
        String[] r = text.split("-", -1);
        int low = port(r[0]);
        int high = r.length == 2 ? port(r[1]) : low;
        if (r.length > 2 || low < 1 || high < low) {
            throw EngineException.invalid("invalid host port \"" + text + "\" for " + key + " (a port from 1 to 65535, or a range low-high)");
        }
        return new int[] {low, high};
    }

    private static int port(String s) {
        if (!s.matches("[0-9]{1,5}")) {
            return -1;
        }
        int p = Integer.parseInt(s);
        return p <= 65535 ? p : -1;
    }
}
