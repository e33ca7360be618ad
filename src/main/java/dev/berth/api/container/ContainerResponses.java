package dev.berth.api.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.Json;
import dev.berth.container.Container;
import dev.berth.container.ContainerState;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Docker's shapes of containers: inspect and list entries. */
final class ContainerResponses {

    private ContainerResponses() {}

    static Map<String, Object> inspect(Container c, String driver, String logPath, String dir, List<String> execIds) {
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
        m.put("LogPath", logPath);
        m.put("Name", "/" + c.name());
        m.put("RestartCount", c.restartCount());
        m.put("Driver", driver);
        m.put("Platform", "linux");
        m.put("MountLabel", "");
        m.put("ProcessLabel", "");
        m.put("AppArmorProfile", "");
        m.put("ExecIDs", execIds.isEmpty() ? null : execIds);
        m.put("HostConfig", c.hostConfig());
        m.put("Mounts", mounts(c));
        m.put("Config", c.config());
        m.put("NetworkSettings", Map.of("Networks", Map.of(), "Ports", Map.of(), "SandboxKey", ""));
        return m;
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

    static Map<String, Object> summary(Container c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", c.id());
        m.put("Names", List.of("/" + c.name()));
        m.put("Image", c.image());
        m.put("ImageID", c.imageId());
        m.put("Command", String.join(" ", commandLine(c)));
        m.put("Created", Instant.parse(c.created()).getEpochSecond());
        m.put("Ports", List.of());
        ObjectNode labels = c.config().path("Labels").isObject() ? (ObjectNode) c.config().get("Labels") : Json.MAPPER.createObjectNode();
        m.put("Labels", labels);
        m.put("State", c.state().status());
        m.put("Status", status(c.state()));
        m.put("HostConfig", Map.of("NetworkMode", c.hostConfig().path("NetworkMode").asText("default")));
        m.put("NetworkSettings", Map.of("Networks", Map.of()));
        m.put("Mounts", mounts(c));
        return m;
    }

    /** The mounts as inspect and list show them. */
    private static List<Map<String, Object>> mounts(Container c) {
        return dev.berth.container.MountOptions.parse(c.mountConfig()).stream().map(mount -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("Type", mount.type());
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
