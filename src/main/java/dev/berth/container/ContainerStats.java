package dev.berth.container;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A container's resource usage in the shape of Docker's stats endpoint (cpu_stats, memory_stats,
 * pids_stats, blkio_stats), read from the cgroup of its init process: the v1 controllers' own
 * hierarchies on v1 and hybrid hosts, the unified one on v2. CPU times are nanoseconds; the host's
 * (system_cpu_usage) comes from /proc/stat, so that clients can work out a percentage.
 */
final class ContainerStats {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Where the host's cgroups and process files are: the real ones, or a test's copy. */
    record Host(Path cgroupRoot, Path proc) {
        static final Host REAL = new Host(Path.of("/sys/fs/cgroup"), Path.of("/proc"));
    }
    private static final long NANOS_PER_TICK = 10_000_000L;     // USER_HZ is 100 on Linux

    private ContainerStats() {}

    /** A sample for a container whose init process is {@code pid}; 0 (not running) gives Docker's zeroed sample. */
    static ObjectNode sample(long pid) {
        return sample(pid, Host.REAL);
    }

    static ObjectNode sample(long pid, Host host) {
        ObjectNode s = NODES.objectNode();
        s.put("read", Instant.now().toString());
        Map<String, Path> dirs = pid > 0 ? cgroupDirs(pid, host) : Map.of();
        boolean v2 = dirs.containsKey("");
        ObjectNode pids = s.putObject("pids_stats");
        ObjectNode blkio = s.putObject("blkio_stats");
        s.put("num_procs", 0);
        s.putObject("storage_stats");
        ObjectNode cpu = s.putObject("cpu_stats");
        ObjectNode memory = s.putObject("memory_stats");
        if (dirs.isEmpty()) {
            cpu.putObject("cpu_usage").put("total_usage", 0).put("usage_in_kernelmode", 0).put("usage_in_usermode", 0);
            cpu.putObject("throttling_data").put("periods", 0).put("throttled_periods", 0).put("throttled_time", 0);
            return s;
        }
        Path pidsDir = dirs.get(v2 ? "" : "pids");
        Path cpuDir = dirs.get(v2 ? "" : "cpu");
        Path cpuacctDir = dirs.get(v2 ? "" : "cpuacct");
        Path memoryDir = dirs.get(v2 ? "" : "memory");
        Path blkioDir = dirs.get(v2 ? "" : "blkio");
        if (pidsDir != null) {
            pids.put("current", number(pidsDir.resolve("pids.current")));
            long limit = number(pidsDir.resolve("pids.max"));
            if (limit > 0) {
                pids.put("limit", limit);
            }
        }
        ObjectNode usage = cpu.putObject("cpu_usage");
        ObjectNode throttling = cpu.putObject("throttling_data");
        if (v2) {
            Map<String, Long> stat = keyed(cpuDir.resolve("cpu.stat"));
            usage.put("total_usage", stat.getOrDefault("usage_usec", 0L) * 1000)
                    .put("usage_in_kernelmode", stat.getOrDefault("system_usec", 0L) * 1000)
                    .put("usage_in_usermode", stat.getOrDefault("user_usec", 0L) * 1000);
            throttling.put("periods", stat.getOrDefault("nr_periods", 0L))
                    .put("throttled_periods", stat.getOrDefault("nr_throttled", 0L))
                    .put("throttled_time", stat.getOrDefault("throttled_usec", 0L) * 1000);
        } else {
            usage.put("total_usage", cpuacctDir == null ? 0 : number(cpuacctDir.resolve("cpuacct.usage")));
            if (cpuacctDir != null) {
                ArrayNode percpu = usage.putArray("percpu_usage");
                for (String v : read(cpuacctDir.resolve("cpuacct.usage_percpu")).trim().split("\\s+")) {
                    if (!v.isEmpty()) {
                        percpu.add(Long.parseLong(v));
                    }
                }
                Map<String, Long> ticks = keyed(cpuacctDir.resolve("cpuacct.stat"));
                usage.put("usage_in_kernelmode", ticks.getOrDefault("system", 0L) * NANOS_PER_TICK)
                        .put("usage_in_usermode", ticks.getOrDefault("user", 0L) * NANOS_PER_TICK);
            }
            Map<String, Long> stat = cpuDir == null ? Map.of() : keyed(cpuDir.resolve("cpu.stat"));
            throttling.put("periods", stat.getOrDefault("nr_periods", 0L))
                    .put("throttled_periods", stat.getOrDefault("nr_throttled", 0L))
                    .put("throttled_time", stat.getOrDefault("throttled_time", 0L));
        }
        long[] hostCpu = hostCpu(host);
        cpu.put("system_cpu_usage", hostCpu[0]);
        cpu.put("online_cpus", hostCpu[1]);
        if (memoryDir != null) {
            long total = hostMemory(host);
            if (v2) {
                memory.put("usage", number(memoryDir.resolve("memory.current")));
                long max = number(memoryDir.resolve("memory.max"));
                memory.put("limit", max > 0 ? Math.min(max, total) : total);
                keyedInto(memory.putObject("stats"), memoryDir.resolve("memory.stat"));
            } else {
                memory.put("usage", number(memoryDir.resolve("memory.usage_in_bytes")));
                memory.put("max_usage", number(memoryDir.resolve("memory.max_usage_in_bytes")));
                long limit = number(memoryDir.resolve("memory.limit_in_bytes"));
                memory.put("limit", limit > 0 ? Math.min(limit, total) : total);
                keyedInto(memory.putObject("stats"), memoryDir.resolve("memory.stat"));
            }
        }
        if (blkioDir != null) {
            blkio.set("io_service_bytes_recursive", v2 ? ioStat(blkioDir, "rbytes", "wbytes")
                    : blkioEntries(blkioDir.resolve("blkio.throttle.io_service_bytes_recursive")));
            blkio.set("io_serviced_recursive", v2 ? ioStat(blkioDir, "rios", "wios")
                    : blkioEntries(blkioDir.resolve("blkio.throttle.io_serviced_recursive")));
        }
        return s;
    }

    /** Docker's per-interface counters of the process's network namespace ({@code /proc/PID/net/dev}), loopback left out. */
    static ObjectNode networks(long pid, Host host) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (String line : read(host.proc().resolve(pid + "/net/dev")).split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).strip();
            String[] f = line.substring(colon + 1).strip().split("\\s+");
            if (name.equals("lo") || f.length < 16) {
                continue;
            }
            out.putObject(name).put("rx_bytes", Long.parseLong(f[0])).put("rx_packets", Long.parseLong(f[1]))
                    .put("rx_errors", Long.parseLong(f[2])).put("rx_dropped", Long.parseLong(f[3]))
                    .put("tx_bytes", Long.parseLong(f[8])).put("tx_packets", Long.parseLong(f[9]))
                    .put("tx_errors", Long.parseLong(f[10])).put("tx_dropped", Long.parseLong(f[11]));
        }
        return out;
    }

    /**
     * The cgroup directories of a process by controller name, from /proc/PID/cgroup; on a v2 host the
     * single unified directory under the key "".
     */
    private static Map<String, Path> cgroupDirs(long pid, Host host) {
        Path root = host.cgroupRoot();
        Map<String, Path> out = new LinkedHashMap<>();
        boolean v2 = Files.exists(root.resolve("cgroup.controllers"));
        for (String line : read(host.proc().resolve(pid + "/cgroup")).split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            String rel = f[2].startsWith("/") ? f[2].substring(1) : f[2];
            if (v2 && f[0].equals("0")) {
                out.put("", root.resolve(rel));
            } else if (!v2 && !f[1].isEmpty() && !f[1].startsWith("name=")) {
                for (String controller : f[1].split(",")) {
                    Path dir = root.resolve(f[1]).resolve(rel);
                    out.put(controller, Files.isDirectory(dir) ? dir : root.resolve(controller).resolve(rel));
                }
            }
        }
        return out;
    }

    /** v1 blkio lines "8:0 Read 4096" as Docker's entries; the "Total" line is left out, as dockerd does. */
    private static ArrayNode blkioEntries(Path file) {
        ArrayNode out = NODES.arrayNode();
        for (String line : read(file).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[0].contains(":")) {
                String[] mm = f[0].split(":");
                out.addObject().put("major", Long.parseLong(mm[0])).put("minor", Long.parseLong(mm[1]))
                        .put("op", f[1]).put("value", Long.parseLong(f[2]));
            }
        }
        return out;
    }

    /** v2 io.stat lines "8:0 rbytes=4096 wbytes=0 ..." as Docker's read and write entries. */
    private static ArrayNode ioStat(Path dir, String readKey, String writeKey) {
        ArrayNode out = NODES.arrayNode();
        for (String line : read(dir.resolve("io.stat")).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2 || !f[0].contains(":")) {
                continue;
            }
            String[] mm = f[0].split(":");
            for (int i = 1; i < f.length; i++) {
                String[] kv = f[i].split("=", 2);
                String op = kv[0].equals(readKey) ? "read" : kv[0].equals(writeKey) ? "write" : null;
                if (op != null && kv.length == 2) {
                    out.addObject().put("major", Long.parseLong(mm[0])).put("minor", Long.parseLong(mm[1]))
                            .put("op", op).put("value", Long.parseLong(kv[1]));
                }
            }
        }
        return out;
    }

    /** The host's busy and idle time in nanoseconds (the first line of /proc/stat) and its number of CPUs. */
    private static long[] hostCpu(Host host) {
        long total = 0;
        long cpus = 0;
        for (String line : read(host.proc().resolve("stat")).split("\n")) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                for (int i = 1; i < Math.min(f.length, 9); i++) {   // user .. steal; guest time is in user already
                    total += Long.parseLong(f[i]);
                }
            } else if (line.startsWith("cpu")) {
                cpus++;
            }
        }
        return new long[] {total * NANOS_PER_TICK, cpus};
    }

    private static long hostMemory(Host host) {
        for (String line : read(host.proc().resolve("meminfo")).split("\n")) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return 0;
    }

    private static Map<String, Long> keyed(Path file) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : read(file).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[1].matches("\\d+")) {
                out.put(f[0], Long.parseLong(f[1]));
            }
        }
        return out;
    }

    private static void keyedInto(ObjectNode target, Path file) {
        keyed(file).forEach(target::put);
    }

    /** A single-number cgroup file; "max" and a missing file are 0. */
    private static long number(Path file) {
        String v = read(file).trim();
        return v.matches("\\d+") ? Long.parseLong(v) : 0;
    }

    /** A cgroup or proc file, or "" when it is gone (the process ended) or absent on this kernel. */
    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
