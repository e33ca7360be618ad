package dev.berth.container.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.container.config.HostConfig;
import dev.berth.host.EngineJson;

import java.nio.file.Path;
import java.util.List;

/**
 * The OCI runtime spec ({@code config.json}) of a container, with dockerd's defaults: its namespaces,
 * standard mounts, capability set, masked and read-only paths, and rlimits never above the daemon's own.
 */
public final class OciSpecBuilder {

    /** dockerd's default capabilities. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** What runs: argv, environment, working directory, user, terminal. */
    public record Process(List<String> args, List<String> env, String cwd, int uid, int gid, List<Integer> groups, boolean terminal) {}

    private static final ObjectMapper JSON = EngineJson.MAPPER;

    private OciSpecBuilder() {}

    /**
     * @param nofileHardLimit the daemon's own RLIMIT_NOFILE hard limit: a container may not ask for more
     * @param cgroupsPath     the container's cgroup, relative to the hierarchy roots
     */
    public static ObjectNode build(Process process, Path rootfs, String hostname, long nofileHardLimit, String cgroupsPath) {
        return build(process, rootfs, hostname, nofileHardLimit, cgroupsPath, null);
    }

    /**
     * @param netns the network namespace to join (a path), "" to share the host's (NetworkMode host), or null
     *              for a new private one
     */
    public static ObjectNode build(Process process, Path rootfs, String hostname, long nofileHardLimit, String cgroupsPath,
                                   String netns) {
        ObjectNode spec = JSON.createObjectNode();
        spec.put("ociVersion", "1.0.2");
        ObjectNode p = spec.putObject("process");
        p.put("terminal", process.terminal());
        ObjectNode user = p.putObject("user");
        user.put("uid", process.uid());
        user.put("gid", process.gid());
        ArrayNode groups = user.putArray("additionalGids");
        process.groups().forEach(groups::add);
        strings(p.putArray("args"), process.args());
        strings(p.putArray("env"), ProcessRules.processEnv(process.env()));
        p.put("cwd", process.cwd());
        capabilities(p, DEFAULT_CAPABILITIES);
        ObjectNode nofile = p.putArray("rlimits").addObject();
        long limit = Math.min(1048576, nofileHardLimit);
        nofile.put("type", "RLIMIT_NOFILE").put("hard", limit).put("soft", limit);
        p.put("noNewPrivileges", false);
        spec.putObject("root").put("path", rootfs.toString()).put("readonly", false);
        spec.put("hostname", hostname);
        ArrayNode mounts = spec.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "ro", "nosuid", "noexec", "nodev");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=67108864");
        ObjectNode linux = spec.putObject("linux");
        ArrayNode ns = linux.putArray("namespaces");
        for (String type : List.of("pid", "ipc", "uts", "mount")) {
            ns.addObject().put("type", type);
        }
        if (netns == null) {
            ns.addObject().put("type", "network");
        } else if (!netns.isEmpty()) {
            ns.addObject().put("type", "network").put("path", netns);
        }
        linux.put("cgroupsPath", cgroupsPath);
        strings(linux.putArray("maskedPaths"), HostConfig.MASKED_PATHS);
        strings(linux.putArray("readonlyPaths"), HostConfig.READONLY_PATHS);
        return spec;
    }

    /** Gives the process exactly these capabilities (bounding, effective and permitted alike). */
    public static void capabilities(ObjectNode process, java.util.Collection<String> names) {
        ObjectNode caps = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            names.forEach(caps.putArray(set)::add);
        }
    }

    /** Adds a bind mount of a host file or directory. */
    public static void bind(ObjectNode spec, Path source, String destination, boolean readOnly) {
        ObjectNode m = ((ArrayNode) spec.get("mounts")).addObject();
        m.put("destination", destination).put("type", "bind").put("source", source.toString());
        strings(m.putArray("options"), readOnly ? List.of("rbind", "ro") : List.of("rbind", "rw"));
    }

    private static void mount(ArrayNode mounts, String dest, String type, String source, String... options) {
        ObjectNode m = mounts.addObject();
        m.put("destination", dest).put("type", type).put("source", source);
        strings(m.putArray("options"), List.of(options));
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
