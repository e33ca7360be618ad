package dev.berth.container;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A container as the store keeps it: the create request's Config and HostConfig as sent (inspect echoes
 * them), what the engine derived at create time, and the current state.
 *
 * @param inheritedBinds the bind mounts copied at create from its VolumesFrom containers, in Binds' syntax
 *                       (null in containers stored before there were any)
 */
public record Container(
        String id,
        String name,
        String created,
        String image,
        String imageId,
        ObjectNode config,
        ObjectNode hostConfig,
        String path,
        java.util.List<String> args,
        ContainerState state,
        int restartCount,
        java.util.List<String> inheritedBinds) {

    public Container withState(ContainerState s) {
        return new Container(id, name, created, image, imageId, config, hostConfig, path, args, s, restartCount, inheritedBinds);
    }

    public Container withRestartCount(int n) {
        return new Container(id, name, created, image, imageId, config, hostConfig, path, args, state, n, inheritedBinds);
    }

    public Container withName(String n) {
        return new Container(id, n, created, image, imageId, config, hostConfig, path, args, state, restartCount, inheritedBinds);
    }

    public Container withHostConfig(ObjectNode hc) {
        return new Container(id, name, created, image, imageId, config, hc, path, args, state, restartCount, inheritedBinds);
    }

    /** The HostConfig as mounted: its own mounts and the binds inherited through VolumesFrom. */
    public ObjectNode mountConfig() {
        if (inheritedBinds == null || inheritedBinds.isEmpty()) {
            return hostConfig;
        }
        ObjectNode hc = hostConfig.deepCopy();
        com.fasterxml.jackson.databind.node.ArrayNode binds = hc.path("Binds").isArray()
                ? (com.fasterxml.jackson.databind.node.ArrayNode) hc.get("Binds") : hc.putArray("Binds");
        inheritedBinds.forEach(binds::add);
        return hc;
    }

    public boolean tty() {
        return config.path("Tty").asBoolean(false);
    }

    public boolean autoRemove() {
        return hostConfig.path("AutoRemove").asBoolean(false);
    }

    /** Whether its output is kept for {@code docker logs} (not with the {@code none} log driver). */
    public boolean keepsLog() {
        return LogOptions.readable(hostConfig);
    }
}
