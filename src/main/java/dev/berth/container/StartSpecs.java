package dev.berth.container;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.container.spec.ProcessRules;
import dev.berth.container.spec.HostFiles;
import dev.berth.container.spec.MountOptions;
import dev.berth.container.spec.NetworkView;
import dev.berth.container.spec.OciSpecBuilder;
import dev.berth.container.spec.ResourceOptions;
import dev.berth.container.spec.SecurityOptions;
import dev.berth.errors.EngineException;
import dev.berth.rootfs.ScopedPath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** A container's OCI spec ({@code config.json}): its process, files, mounts, security and resources, from what it was created with. */
final class StartSpecs {

    private final ContainerIndex index;
    private final long nofileHardLimit;
    private final ResourceOptions.Host host;
    private final dev.berth.volume.ContainerVolumes volumes;

    StartSpecs(ContainerIndex index, long nofileHardLimit, ResourceOptions.Host host, dev.berth.volume.ContainerVolumes volumes) {
        this.volumes = volumes;
        this.index = index;
        this.nofileHardLimit = nofileHardLimit;
        this.host = host;
    }

    /** The spec for running {@code c} on the root filesystem mounted at {@code root}; writes its hostname, hosts and resolv.conf. */
    ObjectNode spec(Container c, Path root, NetworkView net) throws IOException {
        int[] ug = ProcessRules.user(c.config().user(), root);
        String cwd = c.config().workingDir();
        cwd = cwd.startsWith("/") ? cwd : "/" + cwd;    // an image's relative WorkingDir counts from /, as in dockerd
        ScopedPath.createDirectories(root, cwd);
        List<String> args = new ArrayList<>();
        args.add(c.path());
        args.addAll(c.args());
        var process = new OciSpecBuilder.Process(args, ProcessRules.mergeEnv(net.linkEnv(), c.config().env()), cwd, ug[0], ug[1], List.of(),
                c.tty());
        ObjectNode spec = OciSpecBuilder.build(process, root, c.config().hostname(), nofileHardLimit,
                "/berth/" + c.id(), net.netns());
        List<Integer> consoleSize = c.hostConfig().consoleSize();
        if (c.tty() && consoleSize.size() == 2 && consoleSize.get(0) != null && consoleSize.get(1) != null
                && consoleSize.get(0) > 0 && consoleSize.get(1) > 0) {
            ((ObjectNode) spec.get("process")).putObject("consoleSize")
                    .put("height", consoleSize.get(0)).put("width", consoleSize.get(1));
        }
        Path dir = net.filesFrom();
        if (dir == null) {
            dir = index.dir(c.id());
            HostFiles.write(dir, c.config(), c.hostConfig(), net);
        }
        OciSpecBuilder.bind(spec, dir.resolve("hostname"), "/etc/hostname", false);
        OciSpecBuilder.bind(spec, dir.resolve("hosts"), "/etc/hosts", false);
        OciSpecBuilder.bind(spec, dir.resolve("resolv.conf"), "/etc/resolv.conf", false);
        String domain = c.config().domainname();
        if (!domain.isEmpty()) {
            // runc before 1.2 ignores the spec's domainname; the UTS namespace's sysctl works with every version
            spec.put("domainname", domain);
            ((ObjectNode) spec.get("linux")).withObjectProperty("sysctl").put("kernel.domainname", domain);
        }
        MountOptions.apply(spec, c.hostConfig(), c.mounts(), volumes::mount, root);
        SecurityOptions.apply(spec, c.hostConfig(), root);
        ResourceOptions.apply(spec, c.hostConfig(), host, c.id());
        if (Boolean.TRUE.equals(c.hostConfig().init())) {
            Path init = initBinary().orElseThrow(() -> EngineException.invalid("Init: no init binary found (install catatonit or tini)"));
            OciSpecBuilder.bind(spec, init, "/sbin/docker-init", true);
            ArrayNode argv = ((ObjectNode) spec.get("process")).putArray("args");
            argv.add("/sbin/docker-init").add("--");
            args.forEach(argv::add);
        }
        return spec;
    }

    /** The init process for {@code Init: true}: catatonit (podman's) or tini, from the host. */
    static Optional<Path> initBinary() {
        return Stream.of("/usr/bin/catatonit", "/usr/libexec/podman/catatonit", "/usr/bin/tini-static", "/usr/bin/tini")
                .map(Path::of).filter(Files::isExecutable).findFirst();
    }
}
