package dev.berth.container.spec;

import dev.berth.container.config.ContainerConfig;
import dev.berth.errors.EngineException;
import dev.berth.host.EngineJson;
import dev.berth.host.Posix;
import dev.berth.image.ImageConfig;
import dev.berth.rootfs.ScopedPath;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Docker's rules for what a container runs, from its image config and the create request. */
public final class ProcessRules {

    /** A passwd or group file larger than this is not an account file a container runs with. */
    private static final int MAX_ACCOUNT_FILE = 4 << 20;

    private ProcessRules() {}

    /** The Config an image gives its containers ({@code config} of its image config; empty when it has none). */
    public static ContainerConfig of(ImageConfig image) {
        return image.containerConfig().isObject() ? EngineJson.MAPPER.convertValue(image.containerConfig(), ContainerConfig.class)
                : ContainerConfig.empty();
    }

    /**
     * Entrypoint + Cmd, as dockerd merges them: a request Entrypoint replaces the image's and drops the
     * image's Cmd; an empty list (docker-java always sends {@code "Cmd": []}) counts as not given, while
     * {@code "Entrypoint": [""]} clears the image's entrypoint.
     */
    public static List<String> args(ContainerConfig request, ContainerConfig image) {
        List<String> requested = ContainerConfig.list(request.entrypoint());
        boolean ownEntrypoint = !requested.isEmpty();
        List<String> entrypoint = ownEntrypoint ? requested.stream().filter(a -> !a.isEmpty()).toList() : ContainerConfig.list(image.entrypoint());
        List<String> cmd = !request.cmd().isEmpty() ? request.cmd() : ownEntrypoint ? List.of() : image.cmd();
        List<String> args = new ArrayList<>(entrypoint);
        args.addAll(cmd);
        if (args.isEmpty()) {
            throw EngineException.invalid("no command specified");
        }
        return args;
    }

    /**
     * What a process gets of an Env: its {@code NAME=value} entries. A bare {@code NAME} stays in the
     * config (as dockerd shows it) and unsets that variable, as dockerd's; runc refuses such an entry.
     */
    public static List<String> processEnv(List<String> env) {
        return env.stream().filter(e -> e.indexOf('=') > 0).toList();
    }

    /** Refuses what dockerd refuses in an Env: an entry without a name ({@code ""}, {@code =foo}). */
    public static void validateEnv(List<String> env) {
        for (String e : env) {
            if (e.isEmpty() || e.startsWith("=")) {
                throw EngineException.invalid("invalid environment variable: " + e);
            }
        }
    }

    /** The image's Env, each variable replaced by the request's of the same name, in order. */
    public static List<String> env(ContainerConfig request, ContainerConfig image) {
        List<String> vars = mergeEnv(image.env(), request.env());
        if (vars.stream().noneMatch(v -> v.split("=", 2)[0].equals("PATH"))) {
            vars.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }
        return List.copyOf(vars);
    }

    /** {@code base} with {@code extra} on top: a variable set again replaces the old value, in its place. */
    public static List<String> mergeEnv(List<String> base, List<String> extra) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String e : base) {
            byName.put(e.split("=", 2)[0], e);
        }
        for (String e : extra) {
            byName.put(e.split("=", 2)[0], e);
        }
        return new ArrayList<>(byName.values());
    }

    /** The merged Config inspect shows: the request's, filled in from the image. */
    public static ContainerConfig mergedConfig(ContainerConfig request, ContainerConfig image, String imageName, String hostname,
                                        List<String> env) {
        boolean ownEntrypoint = !ContainerConfig.list(request.entrypoint()).isEmpty();
        List<String> cmd = !request.cmd().isEmpty() ? request.cmd() : ownEntrypoint ? List.of() : image.cmd();
        // the image's exposed ports and the request's, as dockerd merges them (what -P publishes)
        Map<String, Object> ports = new LinkedHashMap<>(image.exposedPorts());
        ports.putAll(request.exposedPorts());
        // the image's check, with what the request sets of it on top (docker run --health-interval alone)
        ContainerConfig.HealthConfig health = image.healthcheck() == null ? request.healthcheck()
                : request.healthcheck() == null ? image.healthcheck() : image.healthcheck().under(request.healthcheck());
        Map<String, String> labels = new LinkedHashMap<>(image.labels());
        labels.putAll(request.labels());
        return request.withImage(imageName, hostname, env, cmd, ownEntrypoint ? request.entrypoint() : image.entrypoint(),
                or(request.workingDir(), image.workingDir()), or(request.user(), image.user()), or(request.stopSignal(), image.stopSignal()),
                ports, health, labels);
    }

    private static String or(String given, String dflt) {
        return given.isEmpty() ? dflt : given;
    }

    /** User: name, uid, uid:gid, name:group, resolved against the container's own /etc/passwd and /etc/group. */
    public static int[] user(String user, Path rootfs) throws IOException {
        // runc reads both files for every process it starts, whatever the user: a FIFO there would block it
        for (String file : List.of("/etc/passwd", "/etc/group")) {
            try {
                ScopedPath.requireRegularOrAbsent(rootfs, file);
            } catch (Posix.NotRegularFile e) {
                throw EngineException.invalid("cannot run a process in the container: " + e.getMessage());
            }
        }
        if (user == null || user.isEmpty()) {
            return new int[] {0, 0};
        }
        String[] ug = user.split(":", 2);
        Optional<String[]> pw = lookup(rootfs, "/etc/passwd", ug[0]);
        int uid;
        int gid;
        if (ug[0].matches("\\d+")) {
            uid = Integer.parseInt(ug[0]);
            gid = pw.map(p -> Integer.parseInt(p[3])).orElse(0);
        } else {
            String[] p = pw.orElseThrow(() -> EngineException.invalid(
                    "unable to find user " + ug[0] + ": no matching entries in passwd file"));
            uid = Integer.parseInt(p[2]);
            gid = Integer.parseInt(p[3]);
        }
        if (ug.length == 2) {
            if (ug[1].matches("\\d+")) {
                gid = Integer.parseInt(ug[1]);
            } else {
                gid = Integer.parseInt(lookup(rootfs, "/etc/group", ug[1]).orElseThrow(() -> EngineException.invalid(
                        "unable to find group " + ug[1] + ": no matching entries in group file"))[2]);
            }
        }
        return new int[] {uid, gid};
    }

    /** A group by name (from the container's /etc/group) or number; an unknown name is a 400. */
    public static int group(String nameOrId, Path rootfs) throws IOException {
        if (nameOrId.matches("\\d+")) {
            return Integer.parseInt(nameOrId);
        }
        return Integer.parseInt(lookup(rootfs, "/etc/group", nameOrId).orElseThrow(() -> EngineException.invalid(
                "unable to find group " + nameOrId + ": no matching entries in group file"))[2]);
    }

    /**
     * The passwd/group line whose name (or, for a number, whose id) matches; the file is read inside the container's
     * root, and only when it is a regular file (a FIFO would block, a device node would be the host's): else a 400.
     */
    private static Optional<String[]> lookup(Path rootfs, String file, String nameOrId) throws IOException {
        Optional<byte[]> content;
        try {
            content = ScopedPath.read(rootfs, file, MAX_ACCOUNT_FILE);
        } catch (Posix.NotRegularFile e) {
            throw EngineException.invalid("unable to find user or group " + nameOrId + ": " + e.getMessage());
        }
        if (content.isEmpty()) {
            return Optional.empty();
        }
        for (String line : new String(content.get(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.split(":");
            if (f.length >= 3 && (f[0].equals(nameOrId) || f[2].equals(nameOrId))) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
