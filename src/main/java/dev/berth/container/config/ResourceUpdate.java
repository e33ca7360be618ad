package dev.berth.container.config;


/**
 * {@code docker update}: the cgroup limits and the restart policy. Zero, empty and absent mean "unchanged", as
 * with dockerd (Go clients send zero values for what was not given), but for PidsLimit: absent is unchanged,
 * 0 or negative is no limit.
 */
@DockerJson
public record ResourceUpdate(long memory, long memorySwap, long memoryReservation, long nanoCpus, long cpuShares, long cpuQuota,
                             long cpuPeriod, String cpusetCpus, String cpusetMems, Long pidsLimit, long blkioWeight,
                             HostConfig.Restart restartPolicy) {

    public ResourceUpdate {
        cpusetCpus = ContainerConfig.text(cpusetCpus);
        cpusetMems = ContainerConfig.text(cpusetMems);
        if (pidsLimit != null && pidsLimit < 0) {
            pidsLimit = 0L;     // 0 and any negative value are "unlimited", as dockerd takes them in an update
        }
        if (restartPolicy != null && restartPolicy.name().isEmpty() && restartPolicy.maximumRetryCount() == 0) {
            restartPolicy = null;
        }
    }
}
