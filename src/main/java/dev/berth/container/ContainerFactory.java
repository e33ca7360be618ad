package dev.berth.container;

import dev.berth.container.config.ContainerConfig;
import dev.berth.container.config.ContainerCreate;
import dev.berth.container.config.HealthCheck;
import dev.berth.container.config.HostConfig;
import dev.berth.container.logs.LogOptions;
import dev.berth.container.spec.ProcessRules;
import dev.berth.container.spec.HostFiles;
import dev.berth.container.spec.MountOptions;
import dev.berth.container.spec.ResourceOptions;
import dev.berth.container.spec.SecurityOptions;
import dev.berth.container.spec.UnsupportedOptions;
import dev.berth.errors.EngineException;
import dev.berth.image.Image;
import dev.berth.image.ImageStore;
import dev.berth.image.Platform;
import dev.berth.volume.ContainerVolumes;
import dev.berth.volume.VolumeCreate;
import dev.berth.volume.VolumeDrivers;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a create request into a container: the image's config merged under the request's as dockerd
 * merges them, every option checked (a bad one is a 400 naming it), and what the host cannot honour
 * fully returned as warnings.
 */
final class ContainerFactory {

    /** A container ready to be registered under a name, and the warnings for the client. */
    record Made(java.util.function.Function<String, Container> named, List<String> warnings) {}

    private final ImageStore images;
    private final ContainerIndex index;
    private final String runtimeName;
    private final ResourceOptions.Host host;
    private final dev.berth.network.ContainerNetworks networks;
    private final ContainerVolumes volumes;

    ContainerFactory(ImageStore images, ContainerIndex index, String runtimeName, ResourceOptions.Host host,
                     dev.berth.network.ContainerNetworks networks, ContainerVolumes volumes) {
        this.networks = networks;
        this.volumes = volumes;
        this.images = images;
        this.index = index;
        this.runtimeName = runtimeName;
        this.host = host;
    }

    Made make(ContainerCreate request, String id) throws java.io.IOException {
        ContainerConfig asked = request.config();
        String imageName = asked.image();
        if (imageName.isEmpty()) {
            throw EngineException.invalid("no image specified (Image)");
        }
        Image image = images.get(imageName);
        Platform served = Platform.of(image.config());
        if (request.platform() != null && !request.platform().matches(served)) {
            throw EngineException.notFound("image with reference " + imageName + " was found but its platform (" + served
                    + ") does not match the specified platform (" + request.platform() + ")");
        }
        ContainerConfig imageConfig = ProcessRules.of(image.config());
        List<String> args = ProcessRules.args(asked, imageConfig);
        ProcessRules.validateEnv(asked.env());
        List<String> env = ProcessRules.env(asked, imageConfig);
        String hostname = asked.hostname().isEmpty() ? id.substring(0, 12) : asked.hostname();
        HostConfig given = request.hostConfig();
        String runtime = given.runtime();
        if (!runtime.isEmpty() && !runtime.equals(runtimeName)) {
            throw EngineException.invalid("Unknown runtime specified " + runtime + " (Berth runs " + runtimeName + ")");
        }
        // conmon keeps the log, and the logs endpoint serves it as dockerd's json-file driver does (follow,
        // tail, since, until): clients such as docker-py read output through logs only for that driver
        HostConfig hostConfig = given.withDefaults(given.networkMode().isEmpty() ? "default" : given.networkMode(), runtimeName,
                LogOptions.validate(given.logConfig()), links(given));
        if (!RestartPolicy.of(hostConfig).none() && hostConfig.autoRemove()) {
            throw EngineException.invalid("conflicting options: cannot specify both --restart and --rm");
        }
        if (!hostConfig.isolation().isEmpty() && !hostConfig.isolation().equalsIgnoreCase("default")) {
            throw EngineException.invalid("invalid isolation '" + hostConfig.isolation() + "' on linux");
        }
        String workingDir = asked.workingDir();
        if (!workingDir.isEmpty() && !workingDir.startsWith("/")) {
            throw EngineException.invalid("the working directory '" + workingDir + "' is invalid, it needs to be an absolute path");
        }
        List<String> warnings = new ArrayList<>(UnsupportedOptions.check(hostConfig));
        List<String> inherited = volumesFrom(hostConfig);
        List<MountOptions.Mount> mounts = MountOptions.parse(hostConfig, inherited);
        List<String> anonymousTargets = anonymousVolumes(mounts, asked.volumes().keySet(), imageConfig.volumes().keySet());
        // --volume-driver: the driver of the volumes the container makes
        mounts.stream().filter(MountOptions.Mount::isVolume).map(MountOptions.Mount::source).findFirst()
                .or(() -> anonymousTargets.stream().findFirst().map(t -> ""))
                .ifPresent(volume -> VolumeDrivers.require(hostConfig.volumeDriver(), "create", volume));
        warnings.addAll(SecurityOptions.validate(hostConfig));
        warnings.addAll(ResourceOptions.validate(hostConfig, host));
        HostFiles.validate(hostConfig);
        if (Boolean.TRUE.equals(hostConfig.init()) && StartSpecs.initBinary().isEmpty()) {
            throw EngineException.invalid("Init: no init binary found (install catatonit or tini)");
        }
        ContainerConfig config = ProcessRules.mergedConfig(asked, imageConfig, imageName, hostname, env);
        HealthCheck.of(config);
        var endpoints = NetworkOptions.endpoints(new ContainerCreate(request.name(), asked, hostConfig, request.endpoints(), request.platform()), networks, index);
        warnings.addAll(NetworkOptions.checkPorts(hostConfig, config.exposedPorts().keySet()));
        // volumes last, once every check has passed: a refused create makes none
        for (MountOptions.Mount m : mounts) {
            if (m.isVolume() && !m.source().isEmpty()) {
                volumes.create(new VolumeCreate(m.source(), "", m.volume().driverOptions(), m.volume().labels()));
            }
        }
        Map<String, String> anonymous = new LinkedHashMap<>();
        for (String target : anonymousTargets) {
            anonymous.put(target, volumes.create(new VolumeCreate("", "", Map.of(), Map.of())).name());
        }
        String created = Instant.now().toString();
        return new Made(name -> new Container(id, name, created, imageName, image.id().toString(), config, hostConfig,
                args.getFirst(), List.copyOf(args.subList(1, args.size())), ContainerState.created(), 0, inherited,
                java.util.Collections.unmodifiableMap(endpoints), java.util.Collections.unmodifiableMap(anonymous)), warnings);
    }

    /** Its links by the linked container's id ({@code id:alias}), so they hold through renames, as dockerd's do. */
    private List<String> links(HostConfig given) {
        List<String> out = new ArrayList<>();
        for (String link : given.links()) {
            String[] l = NetworkOptions.link(link);
            try {
                out.add(index.get(l[0]).id() + ":" + l[1]);
            } catch (EngineException e) {
                throw EngineException.invalid("could not get container for " + l[0] + ": " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    /**
     * Where the container gets anonymous volumes: its volume mounts without a source, then the paths of its
     * {@code Volumes} ({@code -v /path}) and its image's that nothing else is mounted on. Named volume requests
     * are checked here, before anything is made.
     */
    private List<String> anonymousVolumes(List<MountOptions.Mount> mounts, Set<String> requested, Set<String> image) {
        List<String> out = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (MountOptions.Mount m : mounts) {
            taken.add(m.target());
            if (m.isVolume() && m.source().isEmpty()) {
                out.add(m.target());
            } else if (m.isVolume()) {
                volumes.check(new VolumeCreate(m.source(), "", m.volume().driverOptions(), m.volume().labels()));
            }
        }
        for (Set<String> declared : List.of(requested, image)) {
            for (String path : declared) {
                String target = MountOptions.absolute(path, "Volumes");
                if (taken.add(target)) {
                    out.add(target);
                }
            }
        }
        return out;
    }

    /**
     * {@code VolumesFrom: ["name[:ro|:rw]"]}: the bind mounts and volumes of those containers (their own and what
     * they inherited), copied now as dockerd does, read-only or read-write when told, else as they are. A target
     * the container mounts itself stays its own.
     */
    private List<String> volumesFrom(HostConfig hostConfig) {
        List<String> out = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        MountOptions.parse(hostConfig, List.of()).forEach(m -> taken.add(m.target()));
        for (String entry : hostConfig.volumesFrom()) {
            String[] parts = entry.split(":");
            if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && !parts[1].matches("ro|rw"))) {
                throw EngineException.invalid("invalid VolumesFrom: '" + entry + "' (expected a container name, and :ro or :rw)");
            }
            Container source;
            try {
                source = index.get(parts[0]);
            } catch (EngineException e) {
                // a 400, not a 404: the CLI takes a 404 from create for a missing image and pulls
                throw EngineException.invalid("invalid VolumesFrom: " + e.getMessage());
            }
            for (MountOptions.Mount m : source.mounts()) {
                String mode = parts.length == 2 ? parts[1] : m.readOnly() ? "ro" : "rw";
                if (m.type().equals("bind") && taken.add(m.target())) {
                    out.add(m.source() + ":" + m.target() + ":" + mode + "," + m.propagation());
                } else if (m.isVolume() && taken.add(m.target())) {
                    out.add(m.source() + ":" + m.target() + ":" + mode);
                }
            }
        }
        return List.copyOf(out);
    }
}
