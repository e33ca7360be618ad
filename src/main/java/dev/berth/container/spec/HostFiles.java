package dev.berth.container.spec;

import dev.berth.container.config.ContainerConfig;
import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The files Berth writes for a container and binds over its /etc: hostname, hosts (with
 * {@code ExtraHosts}) and resolv.conf (the host's, or {@code Dns}, {@code DnsSearch}, {@code DnsOptions}).
 */
public final class HostFiles {

    private HostFiles() {}

    public static void validate(HostConfig hc) {
        for (String h : hc.extraHosts()) {
            extraHost(h);
        }
        for (String d : ContainerConfig.list(hc.dns())) {
            if (!isIp(d)) {
                throw EngineException.invalid("invalid Dns: " + d + " is not an IP address");
            }
        }
    }

    /** {@code name:ip} (or {@code name=ip}) as {@code [name, ip]}. */
    private static String[] extraHost(String entry) {
        int sep = entry.indexOf('=') > 0 ? entry.indexOf('=') : entry.indexOf(':');
        if (sep <= 0) {
            throw EngineException.invalid("invalid ExtraHosts: bad format for add-host: \"" + entry + "\"");
        }
        String name = entry.substring(0, sep);
        String ip = entry.substring(sep + 1).replaceAll("^\\[|]$", "");
        if (!ip.equals("host-gateway") && !isIp(ip)) {
            throw EngineException.invalid("invalid ExtraHosts: invalid IP address in add-host: \"" + ip + "\"");
        }
        return new String[] {name, ip};
    }

    private static boolean isIp(String s) {
        if (!s.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
            return false;       // a literal only: InetAddress would resolve a name
        }
        try {
            InetAddress.getByName(s);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static void write(Path dir, ContainerConfig config, HostConfig hc, NetworkView net) throws IOException {
        String hostname = config.hostname();
        String domain = config.domainname();
        Files.writeString(dir.resolve("hostname"), hostname + "\n");
        StringBuilder hosts = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        net.hostsEntries().forEach(line -> hosts.append(line).append('\n'));
        for (String h : hc.extraHosts()) {
            String[] e = extraHost(h);
            hosts.append(e[1].equals("host-gateway") ? net.hostGateway() : e[1]).append('\t').append(e[0]).append('\n');
        }
        // its own address last, as dockerd writes it (127.0.1.1 without one)
        hosts.append(net.address().isEmpty() ? "127.0.1.1" : net.address()).append('\t')
                .append(domain.isEmpty() ? hostname : hostname + "." + domain + "\t" + hostname).append('\n');
        Files.writeString(dir.resolve("hosts"), hosts.toString());
        List<String> dns = ContainerConfig.list(hc.dns());
        List<String> search = ContainerConfig.list(hc.dnsSearch());
        List<String> options = ContainerConfig.list(hc.dnsOptions());
        Path hostResolv = Path.of("/etc/resolv.conf");
        String resolv;
        if (!net.nameservers().isEmpty()) {
            // a user network's DNS server answers, and forwards the rest to --dns or the host's resolvers
            StringBuilder r = new StringBuilder();
            net.nameservers().forEach(ns -> r.append("nameserver ").append(ns).append('\n'));
            List<String> hostLines = Files.exists(hostResolv) ? Files.readAllLines(hostResolv) : List.of();
            String searchLine = search.isEmpty() ? hostLines.stream().filter(l -> l.startsWith("search ")).findFirst().orElse("")
                    : "search " + String.join(" ", search);
            String optionsLine = options.isEmpty() ? hostLines.stream().filter(l -> l.startsWith("options ")).findFirst().orElse("")
                    : "options " + String.join(" ", options);
            for (String line : List.of(searchLine, optionsLine)) {
                if (!line.isEmpty()) {
                    r.append(line).append('\n');
                }
            }
            resolv = r.toString();
        } else if (dns.isEmpty() && search.isEmpty() && options.isEmpty()) {
            resolv = Files.exists(hostResolv) ? Files.readString(hostResolv) : "";
        } else {
            StringBuilder r = new StringBuilder();
            List<String> servers = dns.isEmpty() && Files.exists(hostResolv) ? Files.readAllLines(hostResolv).stream()
                    .filter(l -> l.startsWith("nameserver")).map(l -> l.substring(10).strip()).toList() : dns;
            servers.forEach(s -> r.append("nameserver ").append(s).append('\n'));
            if (!search.isEmpty()) {
                r.append("search ").append(String.join(" ", search)).append('\n');
            }
            if (!options.isEmpty()) {
                r.append("options ").append(String.join(" ", options)).append('\n');
            }
            resolv = r.toString();
        }
        Files.writeString(dir.resolve("resolv.conf"), resolv);
    }
}
