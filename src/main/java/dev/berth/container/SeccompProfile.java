package dev.berth.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The default seccomp profile ({@code /usr/share/containers/seccomp.json}, Debian's
 * golang-github-containers-common, the one podman and Docker use), turned into the OCI spec's
 * {@code linux.seccomp}: rules are kept or dropped by this host's architecture and the container's
 * capabilities, as Docker does when it loads the profile.
 */
public final class SeccompProfile {

    public static final Path DEFAULT = Path.of("/usr/share/containers/seccomp.json");

    private static final ObjectMapper JSON = new ObjectMapper();

    private SeccompProfile() {}

    /** The profile for a container with these capabilities, or empty when the host has no profile file. */
    public static Optional<ObjectNode> forContainer(Path profile, String arch, Collection<String> capabilities) throws IOException {
        if (!Files.isRegularFile(profile)) {
            return Optional.empty();
        }
        return Optional.of(convert(JSON.readTree(profile.toFile()), arch, capabilities));
    }

    /** @param arch the host's seccomp architecture, e.g. {@code SCMP_ARCH_X86_64} */
    static ObjectNode convert(JsonNode profile, String arch, Collection<String> capabilities) {
        Set<String> caps = new HashSet<>(capabilities);
        ObjectNode out = JSON.createObjectNode();
        out.put("defaultAction", profile.path("defaultAction").asText("SCMP_ACT_ERRNO"));
        if (profile.has("defaultErrnoRet")) {
            out.put("defaultErrnoRet", profile.get("defaultErrnoRet").asInt());
        }
        ArrayNode arches = out.putArray("architectures");
        for (JsonNode m : profile.path("archMap")) {
            if (m.path("architecture").asText().equals(arch)) {
                arches.add(arch);
                m.path("subArchitectures").forEach(a -> arches.add(a.asText()));
            }
        }
        // Rules name architectures as Go does (amd64, arm64), as Docker matches them against GOARCH.
        Set<String> allArches = Set.of(switch (arch) {
            case "SCMP_ARCH_X86_64" -> "amd64";
            case "SCMP_ARCH_AARCH64" -> "arm64";
            default -> arch;
        });
        ArrayNode syscalls = out.putArray("syscalls");
        for (JsonNode rule : profile.path("syscalls")) {
            JsonNode inc = rule.path("includes");
            JsonNode exc = rule.path("excludes");
            if (!matchesAll(inc.path("caps"), caps) || !matchesAny(inc.path("arches"), allArches, true)
                    || matchesAny(exc.path("caps"), caps, false) || matchesAny(exc.path("arches"), allArches, false)) {
                continue;
            }
            ObjectNode s = syscalls.addObject();
            s.set("names", rule.path("names"));
            s.put("action", rule.path("action").asText());
            if (rule.has("errnoRet")) {
                s.put("errnoRet", rule.get("errnoRet").asInt());
            }
            if (rule.path("args").isArray() && !rule.get("args").isEmpty()) {
                s.set("args", rule.get("args"));
            }
        }
        return out;
    }

    private static boolean matchesAll(JsonNode required, Set<String> have) {
        for (JsonNode r : required) {
            if (!have.contains(r.asText())) {
                return false;
            }
        }
        return true;
    }

    /** Whether any listed value is present; an empty list counts as {@code whenEmpty}. */
    private static boolean matchesAny(JsonNode listed, Set<String> have, boolean whenEmpty) {
        if (!listed.isArray() || listed.isEmpty()) {
            return whenEmpty;
        }
        for (JsonNode l : listed) {
            if (have.contains(l.asText())) {
                return true;
            }
        }
        return false;
    }

    /** The seccomp name of this JVM's architecture. */
    public static String hostArch() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "SCMP_ARCH_X86_64";
            case "aarch64", "arm64" -> "SCMP_ARCH_AARCH64";
            default -> "SCMP_ARCH_NATIVE";
        };
    }
}
