package dev.berth.container;


/**
 * {@code docker update}: the cgroup limits and the restart policy. Zero, empty and absent mean "unchanged", as
 * with dockerd (Go clients send zero values for what was not given).
 */
@DockerJson
public record ResourceUpdate(long memory, long memorySwap, long memoryReservation, long nanoCpus, long cpuShares, long cpuQuota,
                             long cpuPeriod, String cpusetCpus, String cpusetMems, Long pidsLimit, long blkioWeight,
                             HostConfig.Restart restartPolicy) {

    public ResourceUpdate {
        cpusetCpus = ContainerConfig.text(cpusetCpus);
        cpusetMems = ContainerConfig.text(cpusetMems);
        if (pidsLimit != null && pidsLimit == 0) {
            pidsLimit = null;
        }
        if (restartPolicy != null && restartPolicy.name().isEmpty() && restartPolicy.maximumRetryCount() == 0) {
            restartPolicy = null;
        }
    }
}
