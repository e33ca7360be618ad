package dev.berth.container.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;
import dev.berth.host.EngineJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The HostConfig's security options: {@code CapAdd}/{@code CapDrop}, {@code Privileged}, {@code SecurityOpt},
 * {@code Devices}, {@code DeviceCgroupRules}, {@code GroupAdd}, {@code Sysctls}, {@code OomScoreAdj}.
 * Capabilities never exceed the daemon's own bounding set: where it is reduced (no CAP_SYS_RESOURCE on
 * some hosts), {@code --privileged} and {@code --cap-add ALL} still work, with what the daemon has.
 */
public final class SecurityOptions {

    private static final ObjectMapper JSON = EngineJson.MAPPER;
    private static final List<String> NAMESPACED_SYSCTLS = List.of("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
            "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");

    private SecurityOptions() {}

    /** Checks the options; what cannot be honoured fully comes back as warnings for the create response. */
    public static List<String> validate(HostConfig hc) {
        List<String> warnings = new ArrayList<>();
        Set<String> caps = capabilities(hc);
        Set<String> held = new LinkedHashSet<>(Capabilities.held());
        for (String c : caps) {
            if (!held.contains(c) && !isAll(hc.capAdd())) {
                warnings.add("Capability " + c + " is not available to the daemon and was left out");
            }
        }
        for (String o : hc.securityOpt()) {
            securityOpt(o);
        }
        boolean hostNet = hc.networkMode().equals("host");
        for (String key : hc.sysctls().keySet()) {
            boolean namespaced = NAMESPACED_SYSCTLS.contains(key) || key.startsWith("fs.mqueue.") || key.startsWith("net.");
            if (!namespaced || (hostNet && key.startsWith("net."))) {
                throw EngineException.invalid("invalid Sysctls: sysctl '" + key + "' is not allowed"
                        + (namespaced ? " in the host network namespace" : ": it is not namespaced"));
            }
        }
        int oom = hc.oomScoreAdj();
        if (oom < -1000 || oom > 1000) {
            throw EngineException.invalid("Invalid value " + oom + " for OomScoreAdj: it must be between -1000 and 1000");
        }
        for (String rule : hc.deviceCgroupRules()) {
            deviceRule(rule);
        }
        return warnings;
    }

    private static boolean isAll(List<String> list) {
        return list.stream().anyMatch(c -> c.equalsIgnoreCase("ALL"));
    }

    /** dockerd's defaults minus CapDrop, plus CapAdd ({@code ALL} in either), named with or without CAP_. */
    public static Set<String> capabilities(HostConfig hc) {
        Set<String> caps = new LinkedHashSet<>(OciSpecBuilder.DEFAULT_CAPABILITIES);
        if (isAll(hc.capDrop())) {
            caps.clear();
        }
        for (String c : hc.capDrop()) {
            if (!c.equalsIgnoreCase("ALL")) {
                caps.remove(capability(c, "CapDrop"));
            }
        }
        if (isAll(hc.capAdd())) {
            caps.addAll(Capabilities.held());
        }
        for (String c : hc.capAdd()) {
            if (!c.equalsIgnoreCase("ALL")) {
                caps.add(capability(c, "CapAdd"));
            }
        }
        return caps;
    }

    private static String capability(String name, String field) {
        String n = name.toUpperCase(Locale.ROOT);
        n = n.startsWith("CAP_") ? n : "CAP_" + n;
        if (!Capabilities.ALL.contains(n)) {
            throw EngineException.invalid("invalid " + field + ": unknown capability: \"" + name + "\"");
        }
        return n;
    }

    /** One SecurityOpt entry: what it asks for, or a 400. */
    private record SecurityOpt(String key, String value) {}

    private static SecurityOpt securityOpt(String opt) {
        if (opt.equals("no-new-privileges")) {
            return new SecurityOpt("no-new-privileges", "true");
        }
        int sep = opt.indexOf('=') >= 0 ? opt.indexOf('=') : opt.indexOf(':');
        if (sep <= 0) {
            throw EngineException.invalid("Invalid --security-opt: \"" + opt + "\"");
        }
        SecurityOpt o = new SecurityOpt(opt.substring(0, sep), opt.substring(sep + 1));
        switch (o.key()) {
            case "no-new-privileges" -> {
                if (!o.value().equals("true") && !o.value().equals("false")) {
                    throw EngineException.invalid("Invalid --security-opt: \"" + opt + "\": no-new-privileges is true or false");
                }
            }
            case "seccomp" -> {
                if (!o.value().equals("unconfined")) {
                    try {
                        if (!JSON.readTree(o.value()).isObject()) {
                            throw new IOException("not an object");
                        }
                    } catch (IOException e) {
                        throw EngineException.invalid("Invalid --security-opt seccomp profile: " + e.getMessage());
                    }
                }
            }
            case "label", "apparmor" -> { }     // no SELinux or AppArmor confinement here: nothing to apply
            default -> throw EngineException.invalid("Invalid --security-opt: \"" + opt + "\"");
        }
        return o;
    }

    /** {@code c|b|a major|* : minor|* rwm} */
    private static ObjectNode deviceRule(String rule) {
        var m = java.util.regex.Pattern.compile("([abc]) (\\d+|\\*):(\\d+|\\*) ([rwm]{1,3})").matcher(rule.strip());
        if (!m.matches()) {
            throw EngineException.invalid("invalid DeviceCgroupRules: \"" + rule + "\"");
        }
        ObjectNode d = JSON.createObjectNode().put("allow", true).put("type", m.group(1)).put("access", m.group(4));
        if (!m.group(2).equals("*")) {
            d.put("major", Long.parseLong(m.group(2)));
        }
        if (!m.group(3).equals("*")) {
            d.put("minor", Long.parseLong(m.group(3)));
        }
        return d;
    }

    /** Applies the options to a spec built with the defaults; {@code rootfs} resolves GroupAdd names. */
    public static void apply(ObjectNode spec, HostConfig hc, Path rootfs) throws IOException {
        ObjectNode process = (ObjectNode) spec.get("process");
        ObjectNode linux = (ObjectNode) spec.get("linux");
        boolean privileged = hc.privileged();
        Set<String> held = new LinkedHashSet<>(Capabilities.held());
        Set<String> caps = privileged ? held : capabilities(hc);
        caps.retainAll(held);
        OciSpecBuilder.capabilities(process, caps);
        boolean seccomp = !privileged;
        for (String o : hc.securityOpt()) {
            SecurityOpt opt = securityOpt(o);
            if (opt.key().equals("no-new-privileges")) {
                process.put("noNewPrivileges", opt.value().equals("true"));
            } else if (opt.key().equals("seccomp")) {
                if (opt.value().equals("unconfined")) {
                    seccomp = false;
                } else {
                    linux.set("seccomp", SeccompProfile.convert(JSON.readTree(opt.value()), SeccompProfile.hostArch(), caps));
                }
            }
        }
        if (!seccomp) {
            linux.remove("seccomp");
        } else if (!linux.has("seccomp")) {
            linux.set("seccomp", SeccompProfile.defaultFor(caps));
        }
        ArrayNode deviceRules = linux.withObjectProperty("resources").withArray("devices");
        if (!privileged && hc.maskedPaths() != null) {
            ArrayNode masked = linux.putArray("maskedPaths");
            hc.maskedPaths().forEach(masked::add);
        }
        if (!privileged && hc.readonlyPaths() != null) {
            ArrayNode readonly = linux.putArray("readonlyPaths");
            hc.readonlyPaths().forEach(readonly::add);
        }
        if (privileged) {
            linux.putArray("maskedPaths");
            linux.putArray("readonlyPaths");
            for (JsonNode m : spec.get("mounts")) {
                if (m.path("type").asText().equals("sysfs") || m.path("type").asText().equals("cgroup")) {
                    ArrayNode options = ((ObjectNode) m).putArray("options");
                    List.of("nosuid", "noexec", "nodev", "rw").forEach(options::add);
                }
            }
            ArrayNode devices = linux.putArray("devices");
            hostDevices().forEach(devices::add);
            deviceRules.addObject().put("allow", true).put("access", "rwm");
        }
        for (HostConfig.Device d : hc.devices()) {
            ObjectNode device = device(Path.of(d.pathOnHost()), d.pathInContainer().isEmpty() ? d.pathOnHost() : d.pathInContainer());
            linux.withArray("devices").add(device);
            deviceRules.addObject().put("allow", true).put("type", device.get("type").asText())
                    .put("major", device.get("major").asLong()).put("minor", device.get("minor").asLong())
                    .put("access", d.cgroupPermissions().isEmpty() ? "rwm" : d.cgroupPermissions());
        }
        for (String rule : hc.deviceCgroupRules()) {
            deviceRules.add(deviceRule(rule));
        }
        ArrayNode groups = ((ObjectNode) process.get("user")).putArray("additionalGids");
        for (String g : hc.groupAdd()) {
            groups.add(ProcessRules.group(g, rootfs));
        }
        ObjectNode sysctl = linux.withObjectProperty("sysctl");
        if (!hc.networkMode().equals("host") && !hc.networkMode().startsWith("container:")) {
            // dockerd's defaults in a network namespace of the container's own: ping and ports below 1024
            // without capabilities (the user's Sysctls still win)
            sysctl.put("net.ipv4.ping_group_range", "0 2147483647");
            sysctl.put("net.ipv4.ip_unprivileged_port_start", "0");
        }
        hc.sysctls().forEach((key, value) -> sysctl.put(key, String.valueOf(value)));
        if (hc.oomScoreAdj() != 0) {
            process.put("oomScoreAdj", hc.oomScoreAdj());
        }
    }

    /** Every character and block device node directly under /dev and its subdirectories, as dockerd gives a privileged container. */
    private static List<ObjectNode> hostDevices() throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(Path.of("/dev"), 3)) {
            for (Path p : all.filter(p -> !Files.isSymbolicLink(p) && !p.startsWith("/dev/pts") && !p.startsWith("/dev/shm")
                    && !p.startsWith("/dev/mqueue") && !p.toString().equals("/dev/console") && !p.toString().equals("/dev/ptmx")).toList()) {
                try {
                    out.add(device(p, p.toString()));
                } catch (EngineException notADevice) {
                    // directories and regular files are no devices
                }
            }
        }
        return out;
    }

    private static ObjectNode device(Path host, String inContainer) {
        try {
            String type = Files.isDirectory(host) ? "" : Files.getAttribute(host, "unix:mode") instanceof Integer mode
                    ? ((mode & 0170000) == 0020000 ? "c" : (mode & 0170000) == 0060000 ? "b" : "") : "";
            if (type.isEmpty()) {
                throw EngineException.invalid("invalid Devices: " + host + " is not a device");
            }
            long rdev = ((Number) Files.getAttribute(host, "unix:rdev")).longValue();
            int mode = (Integer) Files.getAttribute(host, "unix:mode");
            return JSON.createObjectNode().put("path", inContainer).put("type", type)
                    .put("major", ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL))
                    .put("minor", (rdev & 0xff) | ((rdev >>> 12) & ~0xffL))
                    .put("fileMode", mode & 0777)
                    .put("uid", (Integer) Files.getAttribute(host, "unix:uid")).put("gid", (Integer) Files.getAttribute(host, "unix:gid"));
        } catch (IOException e) {
            throw EngineException.invalid("invalid Devices: error gathering device information while adding device \""
                    + host + "\": " + e.getMessage());
        }
    }
}
