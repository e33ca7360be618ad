package dev.berth.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.errors.EngineException;
import dev.berth.image.ImageConfig;
import dev.berth.rootfs.ScopedPath;
import dev.berth.store.EngineJson;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Docker's rules for what a container runs, from its image config and the create request. */
final class ContainerSpec {

    /** A passwd or group file larger than this is not an account file a container runs with. */
    private static final int MAX_ACCOUNT_FILE = 4 << 20;

    private ContainerSpec() {}

    /**
     * Entrypoint + Cmd, as dockerd merges them: a request Entrypoint replaces the image's and drops the
     * image's Cmd; an empty list (docker-java always sends {@code "Cmd": []}) counts as not given, while
     * {@code "Entrypoint": [""]} clears the image's entrypoint.
     */
    static List<String> args(JsonNode request, ImageConfig image) {
        JsonNode img = image.containerConfig();
        boolean ownEntrypoint = given(request.path("Entrypoint"));
        List<String> entrypoint = ownEntrypoint ? strings(request.get("Entrypoint")).stream().filter(a -> !a.isEmpty()).toList()
                : strings(img.path("Entrypoint"));
        List<String> cmd = given(request.path("Cmd")) ? strings(request.get("Cmd")) : ownEntrypoint ? List.of() : strings(img.path("Cmd"));
        List<String> args = new ArrayList<>(entrypoint);
        args.addAll(cmd);
        if (args.isEmpty()) {
            throw EngineException.invalid("no command specified");
        }
        return args;
    }

    /** Whether a Cmd or Entrypoint was given: a non-empty list or a string; null, [] and absence are not. */
    static boolean given(JsonNode v) {
        return v.isTextual() || (v.isArray() && !v.isEmpty());
    }

    /** The image's Env, each variable replaced by the request's of the same name, in order. */
    static List<String> env(JsonNode request, ImageConfig image) {
        List<String> vars = mergeEnv(strings(image.containerConfig().path("Env")), strings(request.path("Env")));
        if (vars.stream().noneMatch(v -> v.split("=", 2)[0].equals("PATH"))) {
            vars.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        }
        return List.copyOf(vars);
    }

    /** {@code base} with {@code extra} on top: a variable set again replaces the old value, in its place. */
    static List<String> mergeEnv(List<String> base, List<String> extra) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String e : base) {
            byName.put(e.split("=", 2)[0], e);
        }
        for (String e : extra) {
            byName.put(e.split("=", 2)[0], e);
        }
        return new ArrayList<>(byName.values());
    }

    static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (node.isTextual()) {
            out.add(node.asText());     // Docker accepts a plain string for Cmd/Entrypoint
        }
        return out;
    }

    /** The merged Config inspect shows: the request's, filled in from the image. */
    static ObjectNode mergedConfig(ObjectNode request, ImageConfig image, String imageName, String hostname, List<String> env,
                                   List<String> cmd) {
        ObjectNode c = request.deepCopy();
        c.put("Image", imageName);
        c.put("Hostname", hostname);
        ArrayNode e = c.putArray("Env");
        env.forEach(e::add);
        if (!given(request.path("Cmd"))) {
            ArrayNode a = c.putArray("Cmd");
            cmd.forEach(a::add);
        }
        JsonNode img = image.containerConfig();
        for (String field : List.of("WorkingDir", "User", "StopSignal")) {
            if ((!c.hasNonNull(field) || c.get(field).asText().isEmpty()) && img.hasNonNull(field)) {
                c.set(field, img.get(field));
            }
        }
        if (!given(request.path("Entrypoint")) && img.hasNonNull("Entrypoint")) {
            c.set("Entrypoint", img.get("Entrypoint"));
        }
        if (img.path("ExposedPorts").isObject()) {
            // the image's exposed ports and the request's, as dockerd merges them (what -P publishes)
            ObjectNode ports = ((ObjectNode) img.get("ExposedPorts")).deepCopy();
            if (request.path("ExposedPorts").isObject()) {
                ports.setAll((ObjectNode) request.get("ExposedPorts"));
            }
            c.set("ExposedPorts", ports);
        }
        if (img.path("Healthcheck").isObject()) {
            // the image's check, with what the request sets of it on top (docker run --health-interval alone)
            ObjectNode health = ((ObjectNode) img.get("Healthcheck")).deepCopy();
            request.path("Healthcheck").properties().forEach(f -> {
                if (EngineJson.isSet(f.getValue())) {
                    health.set(f.getKey(), f.getValue());
                }
            });
            c.set("Healthcheck", health);
        }
        if (img.has("Labels") && img.get("Labels").isObject()) {
            ObjectNode labels = ((ObjectNode) img.get("Labels")).deepCopy();
            if (request.path("Labels").isObject()) {
                labels.setAll((ObjectNode) request.get("Labels"));
            }
            c.set("Labels", labels);
        }
        return c;
    }

    /** User: name, uid, uid:gid, name:group, resolved against the container's own /etc/passwd and /etc/group. */
    static int[] user(String user, Path rootfs) throws IOException {
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
    static int group(String nameOrId, Path rootfs) throws IOException {
        if (nameOrId.matches("\\d+")) {
            return Integer.parseInt(nameOrId);
        }
        return Integer.parseInt(lookup(rootfs, "/etc/group", nameOrId).orElseThrow(() -> EngineException.invalid(
                "unable to find group " + nameOrId + ": no matching entries in group file"))[2]);
    }

    /** The passwd/group line whose name (or, for a number, whose id) matches; the file is read inside the container's root. */
    private static Optional<String[]> lookup(Path rootfs, String file, String nameOrId) throws IOException {
        Optional<byte[]> content = ScopedPath.read(rootfs, file, MAX_ACCOUNT_FILE);
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
