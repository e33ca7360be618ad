package dev.berth.network;

import dev.berth.errors.EngineException;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds the host ports that containers publish, as dockerd's proxy does: a socket bound (not listening)
 * to each, without SO_REUSEADDR, so no other program can take a port while its container runs. The
 * traffic itself never reaches these sockets: the CNI portmap plugin's DNAT rules take it first.
 */
final class PortHolds {

    private final Map<String, Closeable> held = new ConcurrentHashMap<>();

    /** Binds each mapping (a free port where none or a range is given); on a failure nothing stays bound. */
    List<PublishedPort> take(List<PortMapping> mappings, String endpoint) throws IOException {
        List<PublishedPort> out = new ArrayList<>();
        try {
            for (PortMapping m : mappings) {
                out.add(takeOne(m, endpoint));
            }
        } catch (IOException | RuntimeException e) {
            release(out);
            throw e;
        }
        return out;
    }

    /** Takes again the ports of a container that ran on while the daemon was away; a port lost meanwhile is logged, not fatal. */
    void retake(List<PublishedPort> ports) {
        for (PublishedPort p : ports) {
            try {
                held.put(p.hostKey(), bind(p.protocol(), p.hostIp(), p.hostPort()));
            } catch (IOException e) {
                java.util.logging.Logger.getLogger(PortHolds.class.getName()).warning("could not hold " + p.hostKey() + " again: " + e.getMessage());
            }
        }
    }

    void release(List<PublishedPort> ports) {
        for (PublishedPort p : ports) {
            Closeable c = held.remove(p.hostKey());
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing a bound socket cannot fail in a way that matters
                }
            }
        }
    }

    private PublishedPort takeOne(PortMapping m, String endpoint) throws IOException {
        String ip = m.hostIp().isEmpty() ? "0.0.0.0" : m.hostIp();
        if (m.hostPortLow() == 0) {
            NetworkChannel ch = bind(m.protocol(), m.hostIp(), 0);
            int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            PublishedPort p = new PublishedPort(m.protocol(), m.containerPort(), m.hostIp(), port);
            held.put(p.hostKey(), ch);
            return p;
        }
        IOException last = null;
        for (int port = m.hostPortLow(); port <= m.hostPortHigh(); port++) {
            PublishedPort p = new PublishedPort(m.protocol(), m.containerPort(), m.hostIp(), port);
            if (heldByUs(p)) {
                last = new IOException("Bind for " + hostPort(ip, port) + " failed: port is already allocated");
                continue;
            }
            try {
                held.put(p.hostKey(), bind(m.protocol(), m.hostIp(), port));
                return p;
            } catch (IOException e) {
                last = new IOException("listen " + m.protocol() + (ip.contains(":") ? "6 " : "4 ") + hostPort(ip, port)
                        + ": bind: address already in use");
            }
        }
        throw EngineException.invalid("driver failed programming external connectivity on endpoint " + endpoint + ": "
                + (m.hostPortHigh() > m.hostPortLow() ? "no free port in " + m.hostPortLow() + "-" + m.hostPortHigh() + ": " : "")
                + last.getMessage());
    }

    /** Held for another container, on this address or on all of them. */
    private boolean heldByUs(PublishedPort p) {
        String port = ":" + p.hostPort();
        return held.keySet().stream().anyMatch(k -> k.startsWith(p.protocol() + " ") && k.endsWith(port)
                && (k.equals(p.hostKey()) || k.contains(" 0.0.0.0:") || p.hostIp().isEmpty() || p.hostIp().equals("0.0.0.0")));
    }

    private static NetworkChannel bind(String protocol, String hostIp, int port) throws IOException {
        InetAddress address = InetAddress.getByName(hostIp.isEmpty() ? "0.0.0.0" : hostIp);
        StandardProtocolFamily family = address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        NetworkChannel ch = protocol.equals("udp") ? DatagramChannel.open(family) : SocketChannel.open(family);
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, false);
            ch.bind(new InetSocketAddress(address, port));
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    private static String hostPort(String ip, int port) {
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
    }
}
