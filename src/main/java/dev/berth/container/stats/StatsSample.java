package dev.berth.container.stats;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/**
 * One reading of a container's resource usage, named as Docker's stats endpoint names it (snake case):
 * what the cgroups and the network namespace said at {@code read}. Absent parts (a controller the host lacks, a
 * container that is not running) are null and left out.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatsSample(String read, Pids pidsStats, Blkio blkioStats, int numProcs, Map<String, Object> storageStats,
                          Cpu cpuStats, Memory memoryStats, String name, String id, Map<String, NetworkCounters> networks) {

    /** The same reading, of the container named {@code name} with {@code id}, with its network counters. */
    public StatsSample of(String containerName, String containerId, Map<String, NetworkCounters> counters) {
        return new StatsSample(read, pidsStats, blkioStats, numProcs, storageStats, cpuStats, memoryStats, containerName, containerId,
                counters);
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Pids(Long current, Long limit) {}

    /** CPU time in nanoseconds: the container's, and the host's ({@code systemCpuUsage}) to work out a percentage. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cpu(CpuUsage cpuUsage, Long systemCpuUsage, Long onlineCpus, Throttling throttlingData) {
        /** A container that is not running: no usage, no host figures. */
        public static final Cpu ZERO = new Cpu(new CpuUsage(0, null, 0, 0), null, null, new Throttling(0, 0, 0));
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CpuUsage(long totalUsage, List<Long> percpuUsage, long usageInKernelmode, long usageInUsermode) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Throttling(long periods, long throttledPeriods, long throttledTime) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Memory(Long usage, Long maxUsage, Long limit, Map<String, Long> stats) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Blkio(List<BlkioEntry> ioServiceBytesRecursive, List<BlkioEntry> ioServicedRecursive) {}

    /** A device's count: {@code op} is Read, Write, ... (v1) or read, write (v2). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record BlkioEntry(long major, long minor, String op, long value) {}

    /** One interface's counters ({@code /proc/PID/net/dev}). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record NetworkCounters(long rxBytes, long rxPackets, long rxErrors, long rxDropped, long txBytes, long txPackets,
                                  long txErrors, long txDropped) {}
}
