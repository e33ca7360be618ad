package dev.berth.network;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The embedded DNS of user networks: a {@link DnsServer} on each network's gateway while its bridge is up,
 * answering a container with the names on the networks it is on, and nobody else. One event loop for all.
 */
public final class NetworkDns implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NetworkDns.class.getName());

    private final List<InetSocketAddress> upstreams;
    private final Supplier<Collection<Sandbox>> sandboxes;
    private final Map<String, DnsServer> servers = new ConcurrentHashMap<>();
    private EventLoopGroup loop;

    /**
     * @param upstreams where names that no container has go ({@code ip} or {@code ip:port}); empty: the host's
     *                  resolv.conf nameservers
     * @param sandboxes the running containers' sandboxes, as they are now
     */
    NetworkDns(List<String> upstreams, Supplier<Collection<Sandbox>> sandboxes) {
        this.upstreams = (upstreams.isEmpty() ? hostNameservers() : upstreams).stream().map(NetworkDns::socketAddress).toList();
        this.sandboxes = sandboxes;
    }

    /** Serves names to the network's containers on its gateway, once (nothing for networks without DNS). */
    void serve(Network n) {
        if (!n.servesDns() || servers.containsKey(n.id())) {
            return;
        }
        synchronized (servers) {
            if (servers.containsKey(n.id())) {
                return;
            }
            if (loop == null) {
                loop = new MultiThreadIoEventLoopGroup(1, r -> {
                    Thread t = new Thread(r, "berth-dns");
                    t.setDaemon(true);
                    return t;
                }, NioIoHandler.newFactory());
            }
            String gateway = n.pools().getFirst().gateway();
            try {
                servers.put(n.id(), DnsServer.start(loop, InetAddress.getByName(gateway), 53, sender -> asker(n, sender)));
            } catch (IOException e) {
                LOG.warning("network " + n.name() + ": no DNS for its containers: " + e.getMessage());
            }
        }
    }

    /**
     * The container on network {@code n} with the address a DNS query came from: it is answered with the names of
     * every network it is on, and its other names go to its {@code --dns} servers, else the daemon's upstreams. Null
     * for any other sender (another network's container, the host, a peer routed to the gateway).
     */
    private DnsServer.Asker asker(Network n, InetAddress sender) {
        for (Sandbox s : sandboxes.get()) {
            boolean member = s.attachments().stream().anyMatch(a -> a.networkId().equals(n.id()) && addresses(a).contains(sender));
            if (member) {
                Set<String> networks = new HashSet<>();
                s.attachments().forEach(a -> networks.add(a.networkId()));
                Map<String, String> links = new java.util.HashMap<>();     // alias -> container, on this network
                s.attachments().stream().filter(a -> a.networkId().equals(n.id())).flatMap(a -> a.links().stream())
                        .forEach(l -> links.putIfAbsent(l.substring(l.indexOf(':') + 1).toLowerCase(Locale.ROOT),
                                l.substring(0, l.indexOf(':')).toLowerCase(Locale.ROOT)));
                List<InetSocketAddress> up = n.internal() ? List.of()
                        : s.dns().isEmpty() ? upstreams : s.dns().stream().map(NetworkDns::socketAddress).toList();
                return new DnsServer.Asker() {
                    @Override
                    public List<InetAddress> lookup(String name) {
                        return addresses(networks, links.getOrDefault(name, name));
                    }

                    @Override
                    public List<InetSocketAddress> upstreams() {
                        return up;
                    }
                };
            }
        }
        return null;
    }

    /** The addresses of a name on these networks: containers' names, aliases, short ids and hostnames; null when none has it. */
    private List<InetAddress> addresses(Set<String> networkIds, String name) {
        List<InetAddress> out = new ArrayList<>();
        boolean known = false;
        for (Sandbox s : sandboxes.get()) {
            for (Attachment a : s.attachments()) {
                if (networkIds.contains(a.networkId()) && a.names().stream().anyMatch(x -> x.toLowerCase(Locale.ROOT).equals(name))) {
                    known = true;
                    addresses(a).stream().filter(ip -> !out.contains(ip)).forEach(out::add);
                }
            }
        }
        return known ? out : null;
    }

    private static List<InetAddress> addresses(Attachment a) {
        List<InetAddress> out = new ArrayList<>(2);
        for (String ip : List.of(a.ipv4Address(), a.ipv6Address())) {
            if (!ip.isEmpty()) {
                out.add(Cidr.address(ip, ip));
            }
        }
        return out;
    }

    /** Stops the network's server, when it has one. */
    void stop(String networkId) {
        DnsServer server = servers.remove(networkId);
        if (server != null) {
            server.close();
        }
    }

    private static List<String> hostNameservers() {
        try {
            return Files.readAllLines(Path.of("/etc/resolv.conf")).stream().map(String::strip).filter(l -> l.startsWith("nameserver"))
                    .map(l -> l.substring("nameserver".length()).strip()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** {@code ip}, {@code ip:port} or {@code [ipv6]:port}; port 53 when none is given. */
    public static InetSocketAddress socketAddress(String text) {
        String host = text;
        int port = 53;
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            host = text.substring(1, end);
            port = text.length() > end + 2 ? Integer.parseInt(text.substring(end + 2)) : 53;
        } else if (text.chars().filter(c -> c == ':').count() == 1) {
            host = text.substring(0, text.indexOf(':'));
            port = Integer.parseInt(text.substring(text.indexOf(':') + 1));
        }
        return new InetSocketAddress(Cidr.address(host, "invalid DNS server " + text), port);
    }

    @Override
    public void close() {
        servers.values().forEach(DnsServer::close);
        servers.clear();
        if (loop != null) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
