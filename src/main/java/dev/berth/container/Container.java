package dev.berth.container;

import dev.berth.container.config.ContainerConfig;
import dev.berth.container.config.HostConfig;
import dev.berth.container.logs.LogOptions;
import dev.berth.container.spec.MountOptions;

/**
 * A container as the store keeps it: its Config (the create request's, filled in from the image) and HostConfig
 * (with the daemon's defaults), which inspect shows, what the engine derived at create time, and the current state.
 *
 * @param inheritedBinds the bind mounts copied at create from its VolumesFrom containers, in Binds' syntax
 *                       (null in containers stored before there were any)
 * @param networks       the networks it joins when it starts, by name, in the order joined (none with the network
 *                       modes host, none and container:)
 * @param anonymousVolumes the volumes made for it at create, by mount point: its {@code -v /path}, its image's
 *                       VOLUMEs, its volume Mounts without a source (null in containers stored before volumes)
 */
public record Container(
        String id,
        String name,
        String created,
        String image,
        String imageId,
        ContainerConfig config,
        HostConfig hostConfig,
        String path,
        java.util.List<String> args,
        ContainerState state,
        int restartCount,
        java.util.List<String> inheritedBinds,
        java.util.Map<String, dev.berth.network.EndpointRequest> networks,
        java.util.Map<String, String> anonymousVolumes) {

    public Container withState(ContainerState s) {
        return new Container(id, name, created, image, imageId, config, hostConfig, path, args, s, restartCount, inheritedBinds, networks, anonymousVolumes);
    }

    public Container withRestartCount(int n) {
        return new Container(id, name, created, image, imageId, config, hostConfig, path, args, state, n, inheritedBinds, networks, anonymousVolumes);
    }

    public Container withName(String n) {
        return new Container(id, n, created, image, imageId, config, hostConfig, path, args, state, restartCount, inheritedBinds, networks, anonymousVolumes);
    }

    public Container withHostConfig(HostConfig hc) {
        return new Container(id, name, created, image, imageId, config, hc, path, args, state, restartCount, inheritedBinds, networks, anonymousVolumes);
    }

    public Container withNetworks(java.util.Map<String, dev.berth.network.EndpointRequest> n) {
        return new Container(id, name, created, image, imageId, config, hostConfig, path, args, state, restartCount, inheritedBinds,
                java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(n)), anonymousVolumes);
    }

    @Override
    public java.util.Map<String, String> anonymousVolumes() {
        return anonymousVolumes == null ? java.util.Map.of() : anonymousVolumes;
    }

    /** The networks it joins, by name (none for containers stored before Berth had networks). */
    public java.util.Map<String, dev.berth.network.EndpointRequest> endpoints() {
        return networks == null ? java.util.Map.of() : networks;
    }

    /** The network mode: default (the bridge), a network's name, host, none or container:ID. */
    public String networkMode() {
        String mode = hostConfig.networkMode();
        return mode.isEmpty() ? "default" : mode;
    }

    /**
     * Everything it mounts: its own mounts, those inherited through VolumesFrom, and its anonymous volumes,
     * each volume by name.
     */
    public java.util.List<MountOptions.Mount> mounts() {
        java.util.Map<String, String> anonymous = anonymousVolumes == null ? java.util.Map.of() : anonymousVolumes;
        java.util.List<MountOptions.Mount> out = new java.util.ArrayList<>();
        java.util.Set<String> targets = new java.util.HashSet<>();
        for (MountOptions.Mount m : MountOptions.parse(hostConfig, inheritedBinds == null ? java.util.List.of() : inheritedBinds)) {
            out.add(m.isVolume() && m.source().isEmpty() ? m.named(anonymous.getOrDefault(m.target(), "")) : m);
            targets.add(m.target());
        }
        anonymous.forEach((target, name) -> {
            if (!targets.contains(target)) {
                out.add(MountOptions.anonymous(name, target));
            }
        });
        return out;
    }

    /** Its mount points as dockerd lists them ({@code Mounts}): binds, volumes, tmpfs of {@code Mounts}; a {@code Tmpfs} entry is none. */
    public java.util.List<MountOptions.Mount> mountPoints() {
        java.util.Set<String> tmpfs = new java.util.HashSet<>();
        hostConfig.tmpfs().keySet().forEach(t -> tmpfs.add(MountOptions.absolute(t, "Tmpfs")));
        return mounts().stream().filter(m -> !(m.type().equals("tmpfs") && tmpfs.contains(m.target()))).toList();
    }

    /** The names of the volumes it mounts. */
    public java.util.Set<String> volumeNames() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        mounts().stream().filter(MountOptions.Mount::isVolume).forEach(m -> out.add(m.source()));
        return out;
    }

    public boolean tty() {
        return config.tty();
    }

    public boolean autoRemove() {
        return hostConfig.autoRemove();
    }

    /** Whether its output is kept for {@code docker logs} (not with the {@code none} log driver). */
    public boolean keepsLog() {
        return LogOptions.readable(hostConfig);
    }
}
