package dev.berth.network;

import dev.berth.errors.EngineException;
import dev.berth.host.HostCommand;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The addresses an endpoint asks for itself: checked against its network, and the link-local ones added to its interface. */
final class EndpointAddresses {

    private EndpointAddresses() {}

    /** The link-local addresses an endpoint asked for, on its interface besides what IPAM gave it (as dockerd adds them). */
    static void addLinkLocal(Sandbox s, String ifname, List<String> ips) throws IOException {
        if (ips.isEmpty()) {
            return;
        }
        StringBuilder batch = new StringBuilder();
        for (String ip : ips) {
            batch.append("addr add ").append(ip).append(ip.contains(":") ? "/64" : "/16").append(" dev ").append(ifname).append('\n');
        }
        HostCommand.Result r = HostCommand.run(List.of("ip", "-n", Path.of(s.netns()).getFileName().toString(), "-batch", "-"), Map.of(),
                batch.toString().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
        if (r.exitCode() != 0) {
            throw EngineException.invalid("could not add the link-local addresses " + ips + ": " + r.stderr().strip());
        }
    }

    /**
     * Addresses asked for must be in the network's subnets (IPAM refuses one that is taken; NetworkOptions checked
     * their form). An IPv6 address on a network without IPv6 is kept in the endpoint's config and not given, as dockerd.
     */
    static void check(Network n, EndpointRequest ep) {
        for (String ip : n.ipv6() ? List.of(ep.ipv4(), ep.ipv6()) : List.of(ep.ipv4())) {
            if (ip.isEmpty()) {
                continue;
            }
            InetAddress a = Cidr.address(ip, "invalid IP address " + ip);
            if (n.pools().stream().noneMatch(p -> Cidr.parse(p.subnet()).contains(a))) {
                throw EngineException.invalid("no configured subnet or ip-range contain the IP address " + ip + " (network " + n.name() + ")");
            }
        }
    }
}
