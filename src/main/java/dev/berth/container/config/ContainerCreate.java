package dev.berth.container.config;

import dev.berth.image.Platform;
import dev.berth.network.EndpointSettings;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /containers/create}: the Config, the HostConfig and the networks to join with their endpoint
 * settings ({@code NetworkingConfig.EndpointsConfig}, by network name or id; "default" is the default bridge).
 *
 * @param name     the name asked for, or null for a generated one
 * @param platform the platform the image must serve ({@code platform=}), or null for whatever it is
 */
public record ContainerCreate(String name, ContainerConfig config, HostConfig hostConfig, Map<String, EndpointSettings> endpoints,
                              Platform platform) {

    public ContainerCreate {
        config = config == null ? ContainerConfig.empty() : config;
        hostConfig = hostConfig == null ? HostConfig.empty() : hostConfig;
        endpoints = ContainerConfig.map(endpoints);
    }

    /** A container that is never started, made to reach an image's files (a build's COPY): no network, a command that names it. */
    public static ContainerCreate forFiles(String image, String note) {
        ContainerConfig config = ContainerConfig.empty().withImage(image, "", List.of(), List.of(note), List.of(""), "", "", "", Map.of(),
                null, Map.of());
        HostConfig none = HostConfig.empty();
        return new ContainerCreate(null, config, none.withDefaults("none", none.runtime(), none.logConfig(), List.of()), Map.of(), null);
    }
}
