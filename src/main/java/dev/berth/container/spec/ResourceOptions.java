package dev.berth.container.spec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HostConfig's resource options as OCI cgroup resources and rlimits: Memory, MemorySwap,
 * MemoryReservation, NanoCpus, CpuShares, CpuQuota/CpuPeriod, CpusetCpus/Mems, PidsLimit, BlkioWeight,
 * Ulimits, CgroupParent. Bad values are a 400 naming the field; what the host cannot do (swap accounting
 * off, no I/O weight, an rlimit above the daemon's own hard limit) is lowered or left out with a warning
 * in the create response, so that the start does not fail.
 */
public final class ResourceOptions {

    /** Docker's ulimit names and the /proc/self/limits rows that hold the daemon's own limits. */
    private static final Map<String, String> RLIMITS = new LinkedHashMap<>();

    static {
        String[][] pairs = {{"core", "Max core file size"}, {"cpu", "Max cpu time"}, {"data", "Max data size"},
                {"fsize", "Max file size"}, {"locks", "Max file locks"}, {"memlock", "Max locked memory"},
                {"msgqueue", "Max msgqueue size"}, {"nice", "Max nice priority"}, {"nofile", "Max open files"},
                {"nproc", "Max processes"}, {"rss", "Max resident set"}, {"rtprio", "Max realtime priority"},
                {"rttime", "Max realtime timeout"}, {"sigpending", "Max pending signals"}, {"stack", "Max stack size"},
                {"as", "Max address space"}};
        for (String[] p : pairs) {
            RLIMITS.put(p[0], p[1]);
        }
    }

    /** What the host's cgroups can do, and how many CPUs it has. */
    public record Host(int cpus, boolean swapAccounting, boolean ioWeight, Map<String, Long> hardLimits) {
        public static Host current() {
            Path cg = Path.of("/sys/fs/cgroup");
            boolean v2 = Files.exists(cg.resolve("cgroup.controllers"));
            return new Host(Runtime.getRuntime().availableProcessors(),
                    v2 || Files.exists(cg.resolve("memory/memory.memsw.limit_in_bytes")),
                    v2 ? List.of(read(cg.resolve("cgroup.controllers")).strip().split("\\s+")).contains("io")
                            : Files.exists(cg.resolve("blkio/blkio.weight")) || Files.exists(cg.resolve("blkio/blkio.bfq.weight")),
                    daemonHardLimits());
        }
    }

    private ResourceOptions() {}

    /** Checks the options against the host: a 400 naming the field, or the warnings for what will be lowered. */
    public static List<String> validate(HostConfig hc, Host host) {
        List<String> warnings = new ArrayList<>();
        long memory = hc.memory();
        long swap = hc.memorySwap();
        long reservation = hc.memoryReservation();
        if (memory < 0 || reservation < 0 || swap < -1) {
            throw EngineException.invalid("invalid " + (memory < 0 ? "Memory" : reservation < 0 ? "MemoryReservation" : "MemorySwap")
                    + ": a memory limit can not be negative");
        }
        if (memory > 0 && memory < 6 * 1024 * 1024) {
            throw EngineException.invalid("invalid Memory: Minimum memory limit allowed is 6MB");
        }
        if (swap > 0 && memory == 0) {
            throw EngineException.invalid("invalid MemorySwap: You should always set the Memory limit when using Memoryswap limit");
        }
        if (swap > 0 && swap < memory) {
            throw EngineException.invalid("invalid MemorySwap: Minimum memoryswap limit should be larger than memory limit");
        }
        if (memory > 0 && reservation > memory) {
            throw EngineException.invalid("invalid MemoryReservation: Minimum memory limit can not be less than memory reservation limit");
        }
        if (swap != 0 && !host.swapAccounting()) {
            warnings.add("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.");
        }
        long nano = hc.nanoCpus();
        long quota = hc.cpuQuota();
        long period = hc.cpuPeriod();
        if (nano < 0 || hc.cpuShares() < 0) {
            throw EngineException.invalid("invalid " + (nano < 0 ? "NanoCpus" : "CpuShares") + ": it can not be negative");
        }
        if (nano > 0 && (quota != 0 || period != 0)) {
            throw EngineException.invalid("Conflicting options: NanoCpus and CpuPeriod/CpuQuota cannot both be set");
        }
        if (nano > host.cpus() * 1_000_000_000L) {
            throw EngineException.invalid("invalid NanoCpus: Range of CPUs is from 0.01 to " + host.cpus() + ".00, as there are only "
                    + host.cpus() + " CPUs available");
        }
        if (period != 0 && (period < 1000 || period > 1_000_000)) {
            throw EngineException.invalid("invalid CpuPeriod: CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        }
        if (quota != 0 && quota != -1 && quota < 1000) {
            throw EngineException.invalid("invalid CpuQuota: CPU cfs quota can not be less than 1ms (i.e. 1000)");
        }
        String cpus = hc.cpusetCpus();
        if (!cpus.isEmpty()) {
            for (int cpu : cpuList(cpus, "CpusetCpus")) {
                if (cpu >= host.cpus()) {
                    throw EngineException.invalid("invalid CpusetCpus: Requested CPUs are not available - requested " + cpus
                            + ", available: 0-" + (host.cpus() - 1));
                }
            }
        }
        String mems = hc.cpusetMems();
        if (!mems.isEmpty()) {
            cpuList(mems, "CpusetMems");
        }
        int weight = hc.blkioWeight();
        if (weight != 0 && (weight < 10 || weight > 1000)) {
            throw EngineException.invalid("invalid BlkioWeight: Range of blkio weight is from 10 to 1000");
        }
        if (weight != 0 && !host.ioWeight()) {
            warnings.add("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
        }
        for (HostConfig.Ulimit u : hc.ulimits()) {
            String name = u.name();
            if (!RLIMITS.containsKey(name)) {
                throw EngineException.invalid("invalid Ulimits: invalid ulimit type: " + name);
            }
            long soft = u.soft();
            long hard = u.hard();
            if (soft > hard) {
                throw EngineException.invalid("invalid Ulimits: ulimit soft limit must be less than or equal to hard limit: " + soft + " > " + hard);
            }
            Long max = host.hardLimits().get(name);
            if (max != null && hard > max) {
                warnings.add("Ulimit " + name + "=" + soft + ":" + hard + " is above the daemon's hard limit " + max + ": lowered to "
                        + Math.min(soft, max) + ":" + max);
            }
        }
        return warnings;
    }

    /** {@code 0-2,4}: the numbers listed; malformed is a 400. */
    public static List<Integer> cpuList(String list, String field) {
        List<Integer> out = new ArrayList<>();
        for (String part : list.split(",")) {
            String[] range = part.strip().split("-");
            try {
                int from = Integer.parseInt(range[0]);
                int to = range.length == 2 ? Integer.parseInt(range[1]) : from;
                if (range.length > 2 || from < 0 || to < from) {
                    throw new NumberFormatException();
                }
                for (int i = from; i <= to; i++) {
                    out.add(i);
                }
            } catch (NumberFormatException e) {
                throw EngineException.invalid("invalid " + field + ": invalid value " + list);
            }
        }
        return out;
    }

    public static void apply(ObjectNode spec, HostConfig hc, Host host, String containerId) {
        ObjectNode linux = (ObjectNode) spec.get("linux");
        String parent = hc.cgroupParent();
        if (!parent.isEmpty()) {
            linux.put("cgroupsPath", "/" + parent.replaceAll("^/+|/+$", "") + "/" + containerId);
        }
        ObjectNode resources = linux.withObjectProperty("resources");
        long memory = hc.memory();
        if (memory > 0) {
            ObjectNode m = resources.withObjectProperty("memory");
            m.put("limit", memory);
            long swap = hc.memorySwap();
            if (host.swapAccounting()) {
                m.put("swap", swap == 0 ? 2 * memory : swap);     // dockerd: as much swap as memory unless told
            }
        }
        if (hc.memoryReservation() > 0) {
            resources.withObjectProperty("memory").put("reservation", hc.memoryReservation());
        }
        long nano = hc.nanoCpus();
        if (nano > 0) {
            resources.withObjectProperty("cpu").put("period", 100_000L).put("quota", nano * 100_000L / 1_000_000_000L);
        }
        putIfPositive(resources, "cpu", "shares", hc.cpuShares());
        if (hc.cpuQuota() == -1) {
            resources.withObjectProperty("cpu").put("quota", -1L);     // no limit: what an update to -1 must undo
        }
        putIfPositive(resources, "cpu", "quota", hc.cpuQuota());
        putIfPositive(resources, "cpu", "period", hc.cpuPeriod());
        if (!hc.cpusetCpus().isEmpty()) {
            resources.withObjectProperty("cpu").put("cpus", hc.cpusetCpus());
        }
        if (!hc.cpusetMems().isEmpty()) {
            resources.withObjectProperty("cpu").put("mems", hc.cpusetMems());
        }
        if (hc.pidsLimit() != null) {
            // 0 and -1 are no limit ("max"), which an update to them must set; absent leaves the default
            resources.withObjectProperty("pids").put("limit", hc.pidsLimit() > 0 ? hc.pidsLimit() : -1);
        }
        if (host.ioWeight()) {
            putIfPositive(resources, "blockIO", "weight", hc.blkioWeight());
        }
        ArrayNode rlimits = ((ObjectNode) spec.get("process")).withArray("rlimits");
        for (HostConfig.Ulimit u : hc.ulimits()) {
            String type = "RLIMIT_" + u.name().toUpperCase(Locale.ROOT);
            long max = host.hardLimits().getOrDefault(u.name(), Long.MAX_VALUE);
            long hard = Math.min(u.hard(), max);
            long soft = Math.min(u.soft(), hard);
            for (int i = rlimits.size() - 1; i >= 0; i--) {
                if (rlimits.get(i).path("type").asText().equals(type)) {
                    rlimits.remove(i);
                }
            }
            rlimits.addObject().put("type", type).put("hard", hard).put("soft", soft);
        }
    }

    /** The OCI LinuxResources the options make, for a live update of a running container. */
    public static ObjectNode resources(HostConfig hc, Host host, String containerId) {
        ObjectNode scratch = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        scratch.putObject("linux");
        scratch.putObject("process");
        apply(scratch, hc, host, containerId);
        return (ObjectNode) scratch.get("linux").get("resources");
    }

    private static void putIfPositive(ObjectNode resources, String group, String key, long value) {
        if (value > 0) {
            resources.withObjectProperty(group).put(key, value);
        }
    }

    /** The daemon's own hard limits by Docker name ("unlimited" left out): a container cannot be given more. */
    private static Map<String, Long> daemonHardLimits() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : read(Path.of("/proc/self/limits")).split("\n")) {
            RLIMITS.forEach((name, row) -> {
                if (line.startsWith(row + " ")) {
                    String[] f = line.substring(row.length()).strip().split("\\s+");
                    if (f.length >= 2 && f[1].matches("\\d+")) {
                        out.put(name, Long.parseLong(f[1]));
                    }
                }
            });
        }
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
