package dev.berth.container.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.network.PortMapping;

import java.util.List;
import java.util.Map;

import static dev.berth.container.config.ContainerConfig.list;
import static dev.berth.container.config.ContainerConfig.map;
import static dev.berth.container.config.ContainerConfig.orNil;
import static dev.berth.container.config.ContainerConfig.text;

/**
 * A container's HostConfig (Docker's, with its Resources), as the create request gives it and inspect shows it:
 * how the host runs the container. Absent strings, lists, maps and numbers are Go's zero values (empty, 0);
 * the fields whose absence means something else than zero are null when not given: PidsLimit,
 * MemorySwappiness, OomKillDisable, Init, and MaskedPaths and ReadonlyPaths (the defaults; an empty list is none).
 */
@DockerJson
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HostConfig(
        List<String> binds,
        String containerIDFile,
        LogConfig logConfig,
        String networkMode,
        Map<String, List<PortMapping.Binding>> portBindings,
        Restart restartPolicy,
        boolean autoRemove,
        String volumeDriver,
        List<String> volumesFrom,
        List<MountSpec> mounts,
        List<Integer> consoleSize,
        Map<String, String> annotations,
        List<String> capAdd,
        List<String> capDrop,
        String cgroupnsMode,
        @JsonInclude(JsonInclude.Include.ALWAYS) List<String> dns,
        @JsonInclude(JsonInclude.Include.ALWAYS) List<String> dnsOptions,
        @JsonInclude(JsonInclude.Include.ALWAYS) List<String> dnsSearch,
        List<String> extraHosts,
        List<String> groupAdd,
        String ipcMode,
        String cgroup,
        List<String> links,
        int oomScoreAdj,
        String pidMode,
        boolean privileged,
        boolean publishAllPorts,
        boolean readonlyRootfs,
        List<String> securityOpt,
        Map<String, String> storageOpt,
        Map<String, String> tmpfs,
        @JsonProperty("UTSMode") String utsMode,
        String usernsMode,
        long shmSize,
        Map<String, String> sysctls,
        String runtime,
        String isolation,
        long cpuShares,
        long memory,
        String cgroupParent,
        int blkioWeight,
        long cpuPeriod,
        long cpuQuota,
        long cpuRealtimePeriod,
        long cpuRealtimeRuntime,
        String cpusetCpus,
        String cpusetMems,
        List<Device> devices,
        List<String> deviceCgroupRules,
        long kernelMemory,
        long memoryReservation,
        long memorySwap,
        Long memorySwappiness,
        long nanoCpus,
        Boolean oomKillDisable,
        Boolean init,
        Long pidsLimit,
        List<Ulimit> ulimits,
        long cpuCount,
        long cpuPercent,
        List<String> maskedPaths,
        List<String> readonlyPaths) {

    /** What an unprivileged container cannot read or write of /proc and /sys, as dockerd masks and sets read-only by default. */
    public static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");
    public static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    public HostConfig {
        binds = list(binds);
        containerIDFile = text(containerIDFile);
        logConfig = logConfig == null ? new LogConfig("", Map.of()) : logConfig;
        networkMode = text(networkMode);
        portBindings = map(portBindings);
        restartPolicy = restartPolicy == null ? new Restart("", 0) : restartPolicy;
        volumeDriver = text(volumeDriver);
        volumesFrom = list(volumesFrom);
        mounts = list(mounts);
        consoleSize = list(consoleSize);
        annotations = map(annotations);
        capAdd = list(capAdd);
        capDrop = list(capDrop);
        cgroupnsMode = text(cgroupnsMode);
        // null when not sent (Go's nil), as dockerd shows them; the CLI always sends them, empty or not
        dns = orNil(dns);
        dnsOptions = orNil(dnsOptions);
        dnsSearch = orNil(dnsSearch);
        extraHosts = list(extraHosts);
        groupAdd = list(groupAdd);
        ipcMode = text(ipcMode);
        cgroup = text(cgroup);
        links = list(links);
        pidMode = text(pidMode);
        securityOpt = list(securityOpt);
        storageOpt = map(storageOpt);
        tmpfs = map(tmpfs);
        utsMode = text(utsMode);
        usernsMode = text(usernsMode);
        sysctls = map(sysctls);
        runtime = text(runtime);
        isolation = text(isolation);
        cgroupParent = text(cgroupParent);
        cpusetCpus = text(cpusetCpus);
        cpusetMems = text(cpusetMems);
        devices = list(devices);
        deviceCgroupRules = list(deviceCgroupRules);
        ulimits = list(ulimits);
    }

    /** A build step's container: its network, /dev/shm size and extra hosts, and the build's resource limits. */
    public static HostConfig forBuildStep(String networkMode, long shmSize, List<String> extraHosts, ResourceUpdate limits) {
        return new HostConfig(null, null, null, networkMode, null, null, false, null, null, null, null, null, null, null, null, null,
                null, null, extraHosts, null, null, null, null, 0, null, false, false, false, null, null, null, null, null, shmSize, null, null,
                null, 0, 0, null, 0, 0, 0, 0, 0, null, null, null, null, 0, 0, 0, null, 0, null, null, null, null, 0, 0, null, null).with(limits);
    }

    /** Nothing set: what a request without a HostConfig decodes to. */
    public static HostConfig empty() {
        return new HostConfig(null, null, null, null, null, null, false, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, 0, null, false, false, false, null, null, null, null, null, 0, null, null,
                null, 0, 0, null, 0, 0, 0, 0, 0, null, null, null, null, 0, 0, 0, null, 0, null, null, null, null, 0, 0, null, null);
    }

    /** {@code RestartPolicy}: no, always, unless-stopped, on-failure (with a maximum count of retries), or "" for no. */
    @DockerJson
    public record Restart(String name, int maximumRetryCount) {
        public Restart {
            name = text(name);
        }
    }

    /** {@code LogConfig}: the driver and its options ({@code max-size}, {@code max-file}). */
    @DockerJson
    public record LogConfig(String type, Map<String, String> config) {
        public LogConfig {
            type = text(type);
            config = map(config);
        }
    }

    /** A host device to give the container ({@code --device}). */
    @DockerJson
    public record Device(String pathOnHost, String pathInContainer, String cgroupPermissions) {
        public Device {
            pathOnHost = text(pathOnHost);
            pathInContainer = text(pathInContainer);
            cgroupPermissions = text(cgroupPermissions);
        }
    }

    /** A resource limit ({@code --ulimit nofile=1024:2048}). */
    @DockerJson
    public record Ulimit(String name, long soft, long hard) {
        public Ulimit {
            name = text(name);
        }
    }

    /** One of {@code Mounts} ({@code --mount}): a bind, a volume or a tmpfs, with the options of its type. */
    @DockerJson
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MountSpec(String type, String source, String target, boolean readOnly, String consistency,
                            BindOptions bindOptions, VolumeOptions volumeOptions, TmpfsOptions tmpfsOptions) {
        public MountSpec {
            type = text(type);
            source = text(source);
            target = text(target);
            consistency = text(consistency);
        }
    }

    @DockerJson
    public record BindOptions(String propagation) {
        public BindOptions {
            propagation = text(propagation);
        }
    }

    @DockerJson
    public record VolumeOptions(boolean noCopy, Map<String, String> labels, DriverConfig driverConfig, String subpath) {
        public VolumeOptions {
            labels = map(labels);
            driverConfig = driverConfig == null ? new DriverConfig("", Map.of()) : driverConfig;
            subpath = text(subpath);
        }
    }

    @DockerJson
    public record DriverConfig(String name, Map<String, String> options) {
        public DriverConfig {
            name = text(name);
            options = map(options);
        }
    }

    /** Both omitted when zero, as Go's omitempty has them: a client reads back what it sent. */
    @DockerJson
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record TmpfsOptions(long sizeBytes, int mode) {}

    /**
     * The same, with the defaults the daemon fills in at create, as dockerd shows them: the IPC mode, and the
     * masked and read-only paths of an unprivileged container; its links as resolved ({@code id:alias}); no
     * PidsLimit for 0 or any negative one (moby's "unlimited").
     */
    public HostConfig withDefaults(String network, String runtimeName, LogConfig log, List<String> resolvedLinks) {
        return new HostConfig(binds, containerIDFile, log, network, portBindings, restartPolicy, autoRemove, volumeDriver,
                volumesFrom, mounts, consoleSize, annotations, capAdd, capDrop, cgroupnsMode, dns, dnsOptions, dnsSearch, extraHosts,
                groupAdd, ipcMode.isEmpty() ? "private" : ipcMode, cgroup, resolvedLinks, oomScoreAdj, pidMode, privileged, publishAllPorts,
                readonlyRootfs, securityOpt,
                storageOpt, tmpfs, utsMode, usernsMode, shmSize, sysctls, runtimeName, isolation, cpuShares, memory, cgroupParent,
                blkioWeight, cpuPeriod, cpuQuota, cpuRealtimePeriod, cpuRealtimeRuntime, cpusetCpus, cpusetMems, devices,
                deviceCgroupRules, kernelMemory, memoryReservation, memorySwap, memorySwappiness, nanoCpus, oomKillDisable, init,
                pidsLimit != null && pidsLimit <= 0 ? null : pidsLimit, ulimits, cpuCount, cpuPercent,
                maskedPaths == null && !privileged ? MASKED_PATHS : maskedPaths,
                readonlyPaths == null && !privileged ? READONLY_PATHS : readonlyPaths);
    }

    /** The same with other links ({@code id:alias}); the defaults of a created container are in place already. */
    public HostConfig withLinks(List<String> resolved) {
        return withDefaults(networkMode, runtime, logConfig, resolved);
    }

    /** The same with what {@code docker update} changes: the resources it sets (non-zero), its restart policy if given. */
    public HostConfig with(ResourceUpdate u) {
        return new HostConfig(binds, containerIDFile, logConfig, networkMode, portBindings,
                u.restartPolicy() != null ? u.restartPolicy() : restartPolicy, autoRemove, volumeDriver,
                volumesFrom, mounts, consoleSize, annotations, capAdd, capDrop, cgroupnsMode, dns, dnsOptions, dnsSearch, extraHosts,
                groupAdd, ipcMode, cgroup, links, oomScoreAdj, pidMode, privileged, publishAllPorts, readonlyRootfs, securityOpt,
                storageOpt, tmpfs, utsMode, usernsMode, shmSize, sysctls, runtime, isolation,
                set(u.cpuShares(), cpuShares), set(u.memory(), memory), cgroupParent, (int) set(u.blkioWeight(), blkioWeight),
                set(u.cpuPeriod(), cpuPeriod), set(u.cpuQuota(), cpuQuota), cpuRealtimePeriod, cpuRealtimeRuntime,
                u.cpusetCpus().isEmpty() ? cpusetCpus : u.cpusetCpus(), u.cpusetMems().isEmpty() ? cpusetMems : u.cpusetMems(),
                devices, deviceCgroupRules, kernelMemory, set(u.memoryReservation(), memoryReservation), set(u.memorySwap(), memorySwap),
                memorySwappiness, set(u.nanoCpus(), nanoCpus), oomKillDisable, init,
                u.pidsLimit() != null ? u.pidsLimit() : pidsLimit, ulimits, cpuCount, cpuPercent, maskedPaths, readonlyPaths);
    }

    private static long set(long given, long current) {
        return given != 0 ? given : current;
    }
}
