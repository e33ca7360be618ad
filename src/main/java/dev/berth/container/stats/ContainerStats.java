package dev.berth.container.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's resource usage as Docker's stats endpoint reports it (cpu, memory, pids, blkio), read from the cgroup of its init process: the v1 controllers' own
 * hierarchies on v1 and hybrid hosts, the unified one on v2. CPU times are nanoseconds; the host's
 * (system_cpu_usage) comes from /proc/stat, so that clients can work out a percentage.
 */
public final class ContainerStats {

    /** Where the host's cgroups and process files are: the real ones, or a test's copy. */
    public record Host(Path cgroupRoot, Path proc) {
        public static final Host REAL = new Host(Path.of("/sys/fs/cgroup"), Path.of("/proc"));
    }
    private static final long NANOS_PER_TICK = 10_000_000L;     // USER_HZ is 100 on Linux

    private ContainerStats() {}

    /** A sample for a container whose init process is {@code pid}; 0 (not running) gives Docker's zeroed sample. */
    public static StatsSample sample(long pid) {
        return sample(pid, Host.REAL);
    }

    public static StatsSample sample(long pid, Host host) {
        String read = Instant.now().toString();
        Map<String, Path> dirs = pid > 0 ? cgroupDirs(pid, host) : Map.of();
        if (dirs.isEmpty()) {
            return new StatsSample(read, new StatsSample.Pids(null, null), new StatsSample.Blkio(null, null), 0, Map.of(),
                    StatsSample.Cpu.ZERO, new StatsSample.Memory(null, null, null, null), null, null, null);
        }
        boolean v2 = dirs.containsKey("");
        Path pidsDir = dirs.get(v2 ? "" : "pids");
        Path cpuDir = dirs.get(v2 ? "" : "cpu");
        Path cpuacctDir = dirs.get(v2 ? "" : "cpuacct");
        Path memoryDir = dirs.get(v2 ? "" : "memory");
        Path blkioDir = dirs.get(v2 ? "" : "blkio");
        StatsSample.Pids pids = new StatsSample.Pids(null, null);
        if (pidsDir != null) {
            long limit = number(pidsDir.resolve("pids.max"));
            pids = new StatsSample.Pids(number(pidsDir.resolve("pids.current")), limit > 0 ? limit : null);
        }
        StatsSample.CpuUsage usage;
        StatsSample.Throttling throttling;
        if (v2) {
            Map<String, Long> stat = keyed(cpuDir.resolve("cpu.stat"));
            usage = new StatsSample.CpuUsage(stat.getOrDefault("usage_usec", 0L) * 1000, null,
                    stat.getOrDefault("system_usec", 0L) * 1000, stat.getOrDefault("user_usec", 0L) * 1000);
            throttling = new StatsSample.Throttling(stat.getOrDefault("nr_periods", 0L), stat.getOrDefault("nr_throttled", 0L),
                    stat.getOrDefault("throttled_usec", 0L) * 1000);
        } else {
            long total = cpuacctDir == null ? 0 : number(cpuacctDir.resolve("cpuacct.usage"));
            if (cpuacctDir != null) {
                List<Long> percpu = new ArrayList<>();
                for (String v : read(cpuacctDir.resolve("cpuacct.usage_percpu")).trim().split("\\s+")) {
                    if (!v.isEmpty()) {
                        percpu.add(Long.parseLong(v));
                    }
                }
                Map<String, Long> ticks = keyed(cpuacctDir.resolve("cpuacct.stat"));
                usage = new StatsSample.CpuUsage(total, percpu, ticks.getOrDefault("system", 0L) * NANOS_PER_TICK,
                        ticks.getOrDefault("user", 0L) * NANOS_PER_TICK);
            } else {
                usage = new StatsSample.CpuUsage(total, null, 0, 0);
            }
            Map<String, Long> stat = cpuDir == null ? Map.of() : keyed(cpuDir.resolve("cpu.stat"));
            throttling = new StatsSample.Throttling(stat.getOrDefault("nr_periods", 0L), stat.getOrDefault("nr_throttled", 0L),
                    stat.getOrDefault("throttled_time", 0L));
        }
        long[] hostCpu = hostCpu(host);
        StatsSample.Memory memory = new StatsSample.Memory(null, null, null, null);
        if (memoryDir != null) {
            long total = hostMemory(host);
            long limit = number(memoryDir.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"));
            memory = new StatsSample.Memory(number(memoryDir.resolve(v2 ? "memory.current" : "memory.usage_in_bytes")),
                    v2 ? null : number(memoryDir.resolve("memory.max_usage_in_bytes")), limit > 0 ? Math.min(limit, total) : total,
                    keyed(memoryDir.resolve("memory.stat")));
        }
        StatsSample.Blkio blkio = new StatsSample.Blkio(null, null);
        if (blkioDir != null) {
            blkio = new StatsSample.Blkio(v2 ? ioStat(blkioDir, "rbytes", "wbytes")
                    : blkioEntries(blkioDir.resolve("blkio.throttle.io_service_bytes_recursive")),
                    v2 ? ioStat(blkioDir, "rios", "wios") : blkioEntries(blkioDir.resolve("blkio.throttle.io_serviced_recursive")));
        }
        return new StatsSample(read, pids, blkio, 0, Map.of(), new StatsSample.Cpu(usage, hostCpu[0], hostCpu[1], throttling), memory,
                null, null, null);
    }

    /** Docker's per-interface counters of the process's network namespace ({@code /proc/PID/net/dev}), loopback left out. */
    public static Map<String, StatsSample.NetworkCounters> networks(long pid, Host host) {
        Map<String, StatsSample.NetworkCounters> out = new LinkedHashMap<>();
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
            out.put(name, new StatsSample.NetworkCounters(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[8]), Long.parseLong(f[9]), Long.parseLong(f[10]), Long.parseLong(f[11])));
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
    private static List<StatsSample.BlkioEntry> blkioEntries(Path file) {
        List<StatsSample.BlkioEntry> out = new ArrayList<>();
        for (String line : read(file).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[0].contains(":")) {
                String[] mm = f[0].split(":");
                out.add(new StatsSample.BlkioEntry(Long.parseLong(mm[0]), Long.parseLong(mm[1]), f[1], Long.parseLong(f[2])));
            }
        }
        return out;
    }

    /** v2 io.stat lines "8:0 rbytes=4096 wbytes=0 ..." as Docker's read and write entries. */
    private static List<StatsSample.BlkioEntry> ioStat(Path dir, String readKey, String writeKey) {
        List<StatsSample.BlkioEntry> out = new ArrayList<>();
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
                    out.add(new StatsSample.BlkioEntry(Long.parseLong(mm[0]), Long.parseLong(mm[1]), op, Long.parseLong(kv[1])));
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
