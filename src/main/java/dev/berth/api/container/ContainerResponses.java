package dev.berth.api.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.ApiVersion;
import dev.berth.api.Json;
import dev.berth.container.Container;
import dev.berth.container.ContainerViews;
import dev.berth.container.ContainerState;

import dev.berth.network.Attachment;
import dev.berth.network.EndpointRequest;
import dev.berth.network.PublishedPort;
import dev.berth.network.Sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Docker's shapes of containers: inspect and list entries. */
public final class ContainerResponses {

    private ContainerResponses() {}

    static Map<String, Object> inspect(ContainerViews.Details d, String driver, Function<String, String> networkIds,
                                       Function<String, java.nio.file.Path> volumeDirs, ApiVersion version) {
        Container c = d.container();
        String dir = d.paths().dir().toString();
        List<String> execIds = d.execIds();
        List<String> shownLinks = d.links();
        Optional<Sandbox> sandbox = d.sandbox();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", c.id());
        m.put("Created", c.created());
        m.put("Path", c.path());
        m.put("Args", c.args());
        m.put("State", state(c.state()));
        m.put("Image", c.imageId());
        m.put("ResolvConfPath", dir + "/resolv.conf");
        m.put("HostnamePath", dir + "/hostname");
        m.put("HostsPath", dir + "/hosts");
        m.put("LogPath", d.paths().log().toString());
        m.put("Name", "/" + c.name());
        m.put("RestartCount", c.restartCount());
        m.put("Driver", driver);
        m.put("Platform", "linux");
        m.put("MountLabel", "");
        m.put("ProcessLabel", "");
        m.put("AppArmorProfile", "");
        m.put("ExecIDs", execIds.isEmpty() ? null : execIds);
        if (shownLinks.isEmpty()) {
            m.put("HostConfig", c.hostConfig());
        } else {
            // kept by id, shown by the names the containers have now, as dockerd shows them
            com.fasterxml.jackson.databind.node.ObjectNode hc = dev.berth.api.Json.MAPPER.valueToTree(c.hostConfig());
            hc.set("Links", dev.berth.api.Json.MAPPER.valueToTree(shownLinks));
            m.put("HostConfig", hc);
        }
        m.put("Mounts", mounts(c, volumeDirs));
        m.put("Config", c.config());
        m.put("NetworkSettings", networkSettings(c, sandbox.filter(s -> c.state().running()), networkIds, version.before(1, 45)));
        return withSizes(m, d.sizes());
    }

    /** SizeRw and SizeRootFs, as {@code ps --size}, {@code inspect --size} and {@code system df} show them; none when not asked. */
    private static Map<String, Object> withSizes(Map<String, Object> m, ContainerViews.Sizes sizes) {
        if (sizes != null) {
            m.put("SizeRw", sizes.rw());
            m.put("SizeRootFs", sizes.rootFs());
        }
        return m;
    }

    /**
     * Inspect's NetworkSettings: the networks with the addresses a running container has on them, and its ports.
     * With {@code legacyAliases} (API before 1.45) a user-defined network's aliases also list the container's
     * short id and hostname, the names it answers to there, as moby shows them to older clients.
     */
    private static Map<String, Object> networkSettings(Container c, Optional<Sandbox> sandbox, Function<String, String> networkIds,
                                                       boolean legacyAliases) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Bridge", "");
        m.put("SandboxID", sandbox.map(s -> s.netns().substring(s.netns().lastIndexOf('/') + 1)).orElse(""));
        m.put("SandboxKey", sandbox.map(Sandbox::netns).orElse(""));
        m.put("HairpinMode", false);
        m.put("LinkLocalIPv6Address", "");
        m.put("LinkLocalIPv6PrefixLen", 0);
        m.put("Ports", ports(c, sandbox));
        Map<String, Object> networks = new LinkedHashMap<>();
        String mode = c.networkMode();
        if (mode.equals("host") || mode.equals("none")) {
            networks.put(mode, endpoint(EndpointRequest.plain(networkIds.apply(mode)), null, List.of()));
        }
        c.endpoints().forEach((name, ep) -> networks.put(name, endpoint(ep,
                sandbox.flatMap(s -> s.attachments().stream().filter(a -> a.networkId().equals(ep.networkId())).findFirst()).orElse(null),
                legacyAliases && !name.equals("bridge") ? aliasesWithNames(ep.aliases(), c) : ep.aliases())));
        // the legacy top-level fields: those of the default bridge, as dockerd fills them
        @SuppressWarnings("unchecked")
        Map<String, Object> bridge = (Map<String, Object>) networks.getOrDefault("bridge", endpoint(EndpointRequest.plain(""), null, List.of()));
        for (String f : List.of("EndpointID", "Gateway", "GlobalIPv6Address", "GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen", "IPv6Gateway", "MacAddress")) {
            m.put(f, bridge.get(f));
        }
        m.put("Networks", networks);
        return m;
    }

    private static List<String> aliasesWithNames(List<String> aliases, Container c) {
        LinkedHashSet<String> all = new LinkedHashSet<>(aliases);
        all.add(c.id().substring(0, 12));
        if (!c.config().hostname().isEmpty()) {
            all.add(c.config().hostname());
        }
        return List.copyOf(all);
    }

    private static Map<String, Object> endpoint(EndpointRequest ep, Attachment a, List<String> aliases) {
        Map<String, Object> e = new LinkedHashMap<>();
        Map<String, Object> ipam = new LinkedHashMap<>();
        if (!ep.ipv4().isEmpty()) {
            ipam.put("IPv4Address", ep.ipv4());
        }
        if (!ep.ipv6().isEmpty()) {
            ipam.put("IPv6Address", ep.ipv6());
        }
        if (!ep.linkLocalIps().isEmpty()) {
            ipam.put("LinkLocalIPs", ep.linkLocalIps());
        }
        e.put("IPAMConfig", ipam.isEmpty() ? null : ipam);
        e.put("Links", ep.links().isEmpty() ? null : ep.links());
        e.put("Aliases", aliases.isEmpty() ? null : aliases);
        e.put("MacAddress", a != null ? a.mac() : ep.mac());
        e.put("DriverOpts", ep.driverOpts().isEmpty() ? null : ep.driverOpts());
        e.put("NetworkID", ep.networkId());
        e.put("EndpointID", a != null ? a.endpointId() : "");
        e.put("Gateway", a != null ? a.gateway() : "");
        e.put("IPAddress", a != null ? a.ipv4Address() : "");
        e.put("IPPrefixLen", a != null ? a.ipv4Prefix() : 0);
        e.put("IPv6Gateway", a != null ? a.gateway6() : "");
        e.put("GlobalIPv6Address", a != null ? a.ipv6Address() : "");
        e.put("GlobalIPv6PrefixLen", a != null ? a.ipv6Prefix() : 0);
        e.put("DNSNames", a != null ? a.names() : null);
        return e;
    }

    /** Published ports with their host addresses and ports; exposed ones that are not published map to null. */
    private static Map<String, Object> ports(Container c, Optional<Sandbox> sandbox) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (sandbox.isEmpty()) {
            return out;
        }
        c.config().exposedPorts().keySet().forEach(k -> out.put(k.contains("/") ? k : k + "/tcp", null));
        for (PublishedPort p : sandbox.get().ports()) {
            String key = p.containerPort() + "/" + p.protocol();
            @SuppressWarnings("unchecked")
            List<Map<String, String>> list = out.get(key) instanceof List<?> l ? (List<Map<String, String>>) l : new ArrayList<>();
            list.add(Map.of("HostIp", p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp(), "HostPort", String.valueOf(p.hostPort())));
            out.put(key, list);
        }
        return out;
    }

    private static Map<String, Object> state(ContainerState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Status", s.status());
        m.put("Running", s.running() || s.restarting());     // as dockerd: restarting counts as running
        m.put("Paused", s.paused());
        m.put("Restarting", s.restarting());
        m.put("OOMKilled", s.oomKilled());
        m.put("Dead", s.status().equals("dead"));
        m.put("Pid", s.pid());
        m.put("ExitCode", s.exitCode());
        m.put("Error", s.error());
        m.put("StartedAt", s.startedAt());
        m.put("FinishedAt", s.finishedAt());
        if (s.health() != null) {
            m.put("Health", Map.of("Status", s.health().status(), "FailingStreak", s.health().failingStreak(),
                    "Log", s.health().log().stream().map(p -> Map.of("Start", p.start(), "End", p.end(),
                            "ExitCode", p.exitCode(), "Output", p.output())).toList()));
        }
        return m;
    }

    /** A list entry; {@code linkNames} are the names other containers' links give it ({@code /parent/alias}). */
    public static Map<String, Object> summary(ContainerViews.Listed listed, Function<String, java.nio.file.Path> volumeDirs) {
        Container c = listed.container();
        Optional<Sandbox> sandbox = listed.sandbox();
        List<String> linkNames = listed.linkNames();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", c.id());
        List<String> names = new java.util.ArrayList<>(List.of("/" + c.name()));
        names.addAll(linkNames);
        m.put("Names", names);
        m.put("Image", c.image());
        m.put("ImageID", c.imageId());
        m.put("Command", String.join(" ", commandLine(c)));
        m.put("Created", Instant.parse(c.created()).getEpochSecond());
        m.put("Ports", summaryPorts(c, sandbox));
        m.put("Labels", c.config().labels());
        m.put("State", c.state().status());
        m.put("Status", status(c.state()));
        m.put("HostConfig", Map.of("NetworkMode", c.networkMode()));
        Map<String, Object> networks = new LinkedHashMap<>();
        c.endpoints().forEach((name, ep) -> {
            Attachment a = sandbox.flatMap(s -> s.attachments().stream().filter(x -> x.networkId().equals(ep.networkId())).findFirst()).orElse(null);
            networks.put(name, endpoint(ep, a, ep.aliases()));
        });
        m.put("NetworkSettings", Map.of("Networks", networks));
        m.put("Mounts", mounts(c, volumeDirs));
        return withSizes(m, listed.sizes());
    }

    /** docker ps's ports: published ones with their host side, exposed ones without. */
    private static List<Map<String, Object>> summaryPorts(Container c, Optional<Sandbox> sandbox) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<String> published = new ArrayList<>();
        sandbox.filter(s -> c.state().running()).ifPresent(s -> s.ports().forEach(p -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("IP", p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp());
            m.put("PrivatePort", p.containerPort());
            m.put("PublicPort", p.hostPort());
            m.put("Type", p.protocol());
            out.add(m);
            published.add(p.containerPort() + "/" + p.protocol());
        }));
        c.config().exposedPorts().keySet().forEach(k -> {
            String key = k.contains("/") ? k : k + "/tcp";
            if (!published.contains(key) && key.matches("\\d+/\\w+")) {
                out.add(Map.of("PrivatePort", Integer.parseInt(key.split("/")[0]), "Type", key.split("/")[1]));
            }
        });
        return out;
    }

    /** The mounts as inspect and list show them. */
    private static List<Map<String, Object>> mounts(Container c, Function<String, java.nio.file.Path> volumeDirs) {
        return c.mountPoints().stream().map(mount -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("Type", mount.type());
            if (mount.isVolume()) {
                o.put("Name", mount.source());
                o.put("Source", volumeDirs.apply(mount.source()).toString());
                o.put("Destination", mount.target());
                o.put("Driver", "local");
                o.put("Mode", mount.readOnly() ? "ro" : "");
                o.put("RW", !mount.readOnly());
                o.put("Propagation", "");
                return o;
            }
            o.put("Source", mount.source() == null ? "" : mount.source());
            o.put("Destination", mount.target());
            o.put("Mode", mount.type().equals("bind") ? (mount.readOnly() ? "ro" : "") : "");
            o.put("RW", !mount.readOnly());
            o.put("Propagation", mount.propagation());
            return o;
        }).toList();
    }

    private static List<String> commandLine(Container c) {
        List<String> all = new java.util.ArrayList<>();
        all.add(c.path());
        all.addAll(c.args());
        return all;
    }

    /** "Up 5 seconds (healthy)", "Exited (3) 2 minutes ago", "Created", as docker ps shows them. */
    static String status(ContainerState s) {
        return switch (s.status()) {
            case "running" -> "Up " + ago(s.startedAt()).replace(" ago", "") + health(s);
            case "paused" -> "Up " + ago(s.startedAt()).replace(" ago", "") + " (Paused)";
            case "restarting" -> "Restarting (" + s.exitCode() + ") " + ago(s.finishedAt());
            case "exited" -> "Exited (" + s.exitCode() + ") " + ago(s.finishedAt());
            case "created" -> "Created";
            default -> s.status();
        };
    }

    private static String health(ContainerState s) {
        if (s.health() == null) {
            return "";
        }
        return s.health().status().equals("starting") ? " (health: starting)" : " (" + s.health().status() + ")";
    }

    private static String ago(String time) {
        Duration d;
        try {
            d = Duration.between(Instant.parse(time), Instant.now());
        } catch (RuntimeException e) {
            return "";
        }
        long sec = Math.max(0, d.getSeconds());
        if (sec < 1) {
            return "Less than a second ago";
        }
        if (sec < 60) {
            return sec + " second" + (sec == 1 ? "" : "s") + " ago";
        }
        if (sec < 3600) {
            long m = sec / 60;
            return m + " minute" + (m == 1 ? "" : "s") + " ago";
        }
        long h = sec / 3600;
        return h < 48 ? h + " hour" + (h == 1 ? "" : "s") + " ago" : (h / 24) + " days ago";
    }
}
