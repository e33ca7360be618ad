package dev.berth.container;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A container as the store keeps it: the create request's Config and HostConfig as sent (inspect echoes
 * them), what the engine derived at create time, and the current state.
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
        int restartCount) {

    public Container withState(ContainerState s) {
        return new Container(id, name, created, image, imageId, config, hostConfig, path, args, s, restartCount);
    }

    public Container withRestartCount(int n) {
        return new Container(id, name, created, image, imageId, config, hostConfig, path, args, state, n);
    }

    public Container withName(String n) {
        return new Container(id, n, created, image, imageId, config, hostConfig, path, args, state, restartCount);
    }

    public Container withHostConfig(ObjectNode hc) {
        return new Container(id, name, created, image, imageId, config, hc, path, args, state, restartCount);
    }

    public boolean tty() {
        return config.path("Tty").asBoolean(false);
    }

    public boolean autoRemove() {
        return hostConfig.path("AutoRemove").asBoolean(false);
    }
}
