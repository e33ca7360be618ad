package dev.berth.daemon;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;

/**
 * Daemon options: command-line flags and the JSON config file share one table of names, so a key in
 * {@code berth.json} is the long flag without its dashes. Flags win over the file.
 */
public final class Options {

    record Option(String name, String shortName, String arg, boolean repeatable, String help) {}

    static final List<Option> TABLE = List.of(
            new Option("host", "H", "HOST", true,
                    "listen on unix:///PATH, tcp://HOST:PORT or fd:// (socket activation); repeatable (default unix://"
                            + DaemonConfig.DEFAULT_SOCKET + ")"),
            new Option("config", null, "FILE", false, "JSON config file (default " + DaemonConfig.DEFAULT_CONFIG + ")"),
            new Option("root", null, "DIR", false, "persistent state (default /var/lib/berth)"),
            new Option("runroot", null, "DIR", false, "runtime state (default /run/berth)"),
            new Option("runtime", null, "NAME|PATH", false, "OCI runtime (default: crun where it works on this host, else runc)"),
            new Option("conmon", null, "PATH", false, "conmon binary (default: found on PATH)"),
            new Option("storage-driver", "s", "NAME", false, "container root filesystems: overlay or vfs (default: overlay where it works)"),
            new Option("log-level", "l", "LEVEL", false, "debug, info, warn or error (default info)"),
            new Option("tlscert", null, "FILE", false, "server certificate (PEM) for TCP listeners"),
            new Option("tlskey", null, "FILE", false, "server key (PEM) for TCP listeners"),
            new Option("tlscacert", null, "FILE", false, "CA (PEM) that client certificates must chain to"),
            new Option("time", "t", "SECONDS", false, "when socket-activated, exit after this many idle seconds (0: never)"),
            new Option("max-request-body", null, "BYTES", false, "largest JSON request body accepted (default 2097152; archives are streamed, not capped)"),
            new Option("shutdown-timeout", null, "SECONDS", false, "how long SIGTERM waits for requests in flight (default 10)"),
            new Option("idle-timeout", null, "SECONDS", false, "close a connection with no request for this long (default 120)"),
            new Option("read-timeout", null, "SECONDS", false, "drop a request that makes no progress for this long (default 30)"),
            new Option("insecure-registry", null, "HOST|CIDR", true,
                    "a registry spoken to without TLS verification (HTTPS, else plain HTTP); repeatable; loopback always is"),
            new Option("registry-mirror", null, "URL", true, "a Docker Hub mirror, tried before Docker Hub; repeatable"),
            new Option("registry-certs-dir", null, "DIR", false,
                    "per-registry CAs and client certificates, in <host[:port]>/ directories (default /etc/docker/certs.d)"),
            new Option("dns-upstream", null, "IP[:PORT]", true,
                    "where user networks' DNS servers forward names of no container; repeatable (default: the host's resolv.conf nameservers)"),
            new Option("api-cors-header", null, "ORIGIN", false,
                    "serve requests from web pages of this origin (* for any), with CORS headers (default: refuse every request with an Origin)"),
            new Option("max-connections", null, "N", false,
                    "connections served at once (default: the open-files limit less 1024 for the daemon's own files)"));

    /** What the command line asked for: run with a config, or just print help/version. */
    public sealed interface Parsed {
        record Run(DaemonConfig config) implements Parsed {}
        record Help() implements Parsed {}
        record Version() implements Parsed {}
    }

    private Options() {}

    public static Parsed parse(String[] args) {
        Map<String, List<String>> flags = parseFlags(args);
        if (flags.containsKey("help")) {
            return new Parsed.Help();
        }
        if (flags.containsKey("version")) {
            return new Parsed.Version();
        }
        Path configFile = flags.containsKey("config") ? Path.of(last(flags.get("config"))) : DaemonConfig.DEFAULT_CONFIG;
        Map<String, List<String>> merged = new LinkedHashMap<>(readConfigFile(configFile, flags.containsKey("config")));
        merged.putAll(flags);
        return new Parsed.Run(build(merged));
    }

    public static String help() {
        StringBuilder sb = new StringBuilder("Usage: berthd [OPTIONS]\n\nA container engine daemon serving the Docker Engine API.\n\nOptions:\n");
        for (Option o : TABLE) {
            String flag = (o.shortName() == null ? "    " : "-" + o.shortName() + ", ") + "--" + o.name() + " " + o.arg();
            sb.append(String.format("  %-32s %s%n", flag, o.help()));
        }
        sb.append(String.format("  %-32s %s%n", "-h, --help", "print this help"));
        sb.append(String.format("  %-32s %s%n", "-v, --version", "print the version"));
        return sb.toString();
    }

    static Map<String, List<String>> parseFlags(String[] args) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                out.put("help", List.of());
                continue;
            }
            if (a.equals("-v") || a.equals("--version")) {
                out.put("version", List.of());
                continue;
            }
            String name;
            String value = null;
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                name = eq < 0 ? a.substring(2) : a.substring(2, eq);
                value = eq < 0 ? null : a.substring(eq + 1);
            } else if (a.startsWith("-") && a.length() >= 2) {
                name = a.substring(1, 2);
                value = a.length() > 2 ? a.substring(2).replaceFirst("^=", "") : null;
            } else {
                throw new ConfigException("unexpected argument \"" + a + "\" (see berthd --help)");
            }
            Option option = find(name, a.startsWith("--"));
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new ConfigException("flag " + a + " needs a value (see berthd --help)");
                }
                value = args[++i];
            }
            out.computeIfAbsent(option.name(), k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static Option find(String name, boolean longForm) {
        for (Option o : TABLE) {
            if (longForm ? o.name().equals(name) : name.equals(o.shortName())) {
                return o;
            }
        }
        throw new ConfigException("unknown flag: " + (longForm ? "--" : "-") + name + " (see berthd --help)");
    }

    private static Map<String, List<String>> readConfigFile(Path file, boolean explicit) {
        JsonNode root;
        try {
            root = dev.berth.host.EngineJson.MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            if (explicit) {
                throw new ConfigException("config file " + file + " does not exist");
            }
            return Map.of();
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException("config file " + file + " must hold a JSON object");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            // dockerd's config file names these lists in the plural
            String key = switch (e.getKey()) {
                case "hosts" -> "host";
                case "insecure-registries" -> "insecure-registry";
                case "registry-mirrors" -> "registry-mirror";
                case "dns-upstreams" -> "dns-upstream";
                default -> e.getKey();
            };
            Option option = TABLE.stream().filter(o -> o.name().equals(key) && !key.equals("config")).findFirst()
                    .orElseThrow(() -> new ConfigException("config file " + file + ": unknown option \"" + e.getKey() + "\""));
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray() && option.repeatable()) {
                e.getValue().forEach(v -> values.add(scalar(file, e.getKey(), v)));
            } else {
                values.add(scalar(file, e.getKey(), e.getValue()));
            }
            out.put(key, values);
        }
        return out;
    }

    private static String scalar(Path file, String key, JsonNode v) {
        if (!v.isValueNode() || v.isNull()) {
            throw new ConfigException("config file " + file + ": \"" + key + "\" must be a string or number");
        }
        return v.asText();
    }

    private static DaemonConfig build(Map<String, List<String>> o) {
        List<HostAddress> hosts = o.getOrDefault("host", List.of("unix://" + DaemonConfig.DEFAULT_SOCKET))
                .stream().map(HostAddress::parse).toList();
        DaemonConfig.Tls tls = tls(o);
        for (HostAddress h : hosts) {
            if (h instanceof HostAddress.Tcp tcp && !tcp.isLoopback() && tls == null) {
                throw new ConfigException("refusing to listen on " + tcp + " without TLS: anyone who reaches it is root on this host;"
                        + " give --tlscert, --tlskey and --tlscacert, or listen on a loopback address");
            }
        }
        long idle = number(o, "time", 0);
        return new DaemonConfig(
                hosts,
                Path.of(string(o, "root", "/var/lib/berth")),
                Path.of(string(o, "runroot", "/run/berth")),
                string(o, "runtime", null),
                string(o, "conmon", null),
                string(o, "storage-driver", null),
                level(string(o, "log-level", "info")),
                tls,
                idle > 0 ? Duration.ofSeconds(idle) : null,
                number(o, "max-request-body", 2L << 20),
                Duration.ofSeconds(number(o, "shutdown-timeout", 10)),
                new DaemonConfig.Connections(Duration.ofSeconds(positive(o, "idle-timeout", 120)),
                        Duration.ofSeconds(positive(o, "read-timeout", 30)), (int) number(o, "max-connections", 0)),
                List.copyOf(o.getOrDefault("insecure-registry", List.of())),
                Path.of(string(o, "registry-certs-dir", "/etc/docker/certs.d")),
                List.copyOf(o.getOrDefault("registry-mirror", List.of())),
                dnsUpstreams(o.getOrDefault("dns-upstream", List.of())),
                string(o, "api-cors-header", null));
    }

    private static List<String> dnsUpstreams(List<String> values) {
        for (String v : values) {
            try {
                dev.berth.network.NetworkDns.socketAddress(v);
            } catch (RuntimeException e) {
                throw new ConfigException("--dns-upstream " + v + ": an IP address, with :PORT if not 53");
            }
        }
        return List.copyOf(values);
    }

    private static DaemonConfig.Tls tls(Map<String, List<String>> o) {
        String cert = string(o, "tlscert", null);
        String key = string(o, "tlskey", null);
        String ca = string(o, "tlscacert", null);
        if (cert == null && key == null && ca == null) {
            return null;
        }
        if (cert == null || key == null || ca == null) {
            throw new ConfigException("TLS needs all of --tlscert, --tlskey and --tlscacert (client certificates are always verified)");
        }
        return new DaemonConfig.Tls(Path.of(cert), Path.of(key), Path.of(ca));
    }

    private static String string(Map<String, List<String>> o, String name, String dflt) {
        List<String> v = o.get(name);
        return v == null ? dflt : last(v);
    }

    private static long positive(Map<String, List<String>> o, String name, long dflt) {
        long n = number(o, name, dflt);
        if (n == 0) {
            throw new ConfigException("invalid value \"0\" for " + name + ": expected a whole number > 0");
        }
        return n;
    }

    private static long number(Map<String, List<String>> o, String name, long dflt) {
        String v = string(o, name, null);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException("invalid value \"" + v + "\" for " + name + ": expected a whole number >= 0");
        }
    }

    private static Level level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.FINEST;
            case "debug" -> Level.FINE;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARNING;
            case "error", "fatal" -> Level.SEVERE;
            default -> throw new ConfigException("invalid log level \"" + name + "\": expected debug, info, warn or error");
        };
    }

    private static String last(List<String> values) {
        return values.getLast();
    }
}
