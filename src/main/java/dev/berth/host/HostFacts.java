package dev.berth.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** What the host is: read once at start-up from /proc, /sys and /etc. */
public record HostFacts(
        String hostname,
        String kernelVersion,
        String operatingSystem,
        String osVersion,
        String architecture,
        int ncpu,
        long memTotal,
        String cgroupVersion,
        boolean seccomp,
        boolean ipv4Forwarding,
        CgroupFeatures cgroups) {

    /** Which resource controls the cgroup hierarchy offers (what /info's MemoryLimit, CpuCfsQuota, ... report). */
    public record CgroupFeatures(boolean memory, boolean swap, boolean cpuCfs, boolean cpuShares, boolean cpuset,
                                 boolean pids, boolean oomKillDisable) {

        static CgroupFeatures read(boolean v2) {
            if (v2) {
                String controllers = firstLine(CGROUP.resolve("cgroup.controllers")).orElse("");
                boolean memory = controllers.contains("memory");
                boolean cpu = controllers.contains("cpu");
                return new CgroupFeatures(memory, memory, cpu, cpu, controllers.contains("cpuset"), controllers.contains("pids"), false);
            }
            return new CgroupFeatures(
                    Files.exists(CGROUP.resolve("memory/memory.limit_in_bytes")),
                    Files.exists(CGROUP.resolve("memory/memory.memsw.limit_in_bytes")),
                    Files.exists(CGROUP.resolve("cpu/cpu.cfs_quota_us")),
                    Files.exists(CGROUP.resolve("cpu/cpu.shares")),
                    Files.exists(CGROUP.resolve("cpuset/cpuset.cpus")),
                    Files.exists(CGROUP.resolve("pids/pids.max")) || Files.isDirectory(CGROUP.resolve("pids")),
                    Files.exists(CGROUP.resolve("memory/memory.oom_control")));
        }
    }

    private static final Path CGROUP = Path.of("/sys/fs/cgroup");

    public static HostFacts read() {
        boolean v2 = Files.exists(CGROUP.resolve("cgroup.controllers"));
        return new HostFacts(
                firstLine(Path.of("/proc/sys/kernel/hostname")).orElse("localhost"),
                firstLine(Path.of("/proc/sys/kernel/osrelease")).orElse(""),
                osRelease("PRETTY_NAME").orElse("Linux"),
                osRelease("VERSION_ID").orElse(""),
                unameMachine(),
                Runtime.getRuntime().availableProcessors(),
                readMemTotal(),
                v2 ? "2" : "1",
                statusField("Seccomp").isPresent(),
                firstLine(Path.of("/proc/sys/net/ipv4/ip_forward")).filter("1"::equals).isPresent(),
                CgroupFeatures.read(v2));
    }

    /** The daemon's own RLIMIT_NOFILE hard limit: containers may not be given more. */
    public static long nofileHardLimit() {
        return find(Path.of("/proc/self/limits"), l -> l.startsWith("Max open files"))
                .map(l -> l.trim().split("\\s+"))
                .map(f -> f[4].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[4]))
                .orElse(1024L);
    }

    /** Docker's /version Arch is Go's GOARCH name. */
    public String goArch() {
        return switch (architecture) {
            case "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            case "i686", "i386" -> "386";
            default -> architecture;
        };
    }

    private static String unameMachine() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            default -> arch;
        };
    }

    private static long readMemTotal() {
        return find(Path.of("/proc/meminfo"), l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
                .orElse(0L);
    }

    private static Optional<String> statusField(String name) {
        return find(Path.of("/proc/self/status"), l -> l.startsWith(name + ":"));
    }

    private static Optional<String> osRelease(String key) {
        return find(Path.of("/etc/os-release"), l -> l.startsWith(key + "="))
                .or(() -> find(Path.of("/usr/lib/os-release"), l -> l.startsWith(key + "=")))
                .map(l -> l.substring(key.length() + 1).replaceAll("^\"|\"$", ""));
    }

    private static Optional<String> firstLine(Path p) {
        return find(p, l -> !l.isBlank()).map(String::strip);
    }

    private static Optional<String> find(Path p, Predicate<String> test) {
        try (Stream<String> lines = Files.lines(p)) {
            return lines.filter(test).findFirst();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }
}
