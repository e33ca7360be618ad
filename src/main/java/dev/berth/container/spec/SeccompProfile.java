package dev.berth.container.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.host.EngineJson;

import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Seccomp profiles in the OCI spec's {@code linux.seccomp} form. The default is built into Berth
 * ({@code seccomp-default.policy} plus the argument-filtered rules below) and allows what Docker's
 * default profile allows, so a default container cannot unshare, mount or setns without
 * CAP_SYS_ADMIN. Profiles in Docker's JSON format ({@code --security-opt seccomp=<json>}) are
 * converted as Docker loads them: rules kept or dropped by this host's architecture and the
 * container's capabilities.
 */
public final class SeccompProfile {

    private static final ObjectMapper JSON = EngineJson.MAPPER;
    /** The namespace flags of clone(2) (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET): none may be set without CAP_SYS_ADMIN. */
    private static final long CLONE_NAMESPACE_FLAGS = 0x7E020000L;
    private static final int AF_VSOCK = 40;
    private static final int ENOSYS = 38;
    /** The personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query. */
    private static final long[] PERSONALITIES = {0, 8, 0x20000, 0x20008, 0xffffffffL};

    private static final JsonNode DEFAULT = defaultProfile();

    private SeccompProfile() {}

    /** Berth's default profile for a container with these capabilities, on this host's architecture. */
    public static ObjectNode defaultFor(Collection<String> capabilities) {
        return convert(DEFAULT, hostArch(), capabilities);
    }

    /** The built-in policy in Docker's profile format. */
    public static JsonNode defaultProfile() {
        ObjectNode p = JSON.createObjectNode();
        p.put("defaultAction", "SCMP_ACT_ERRNO");
        p.put("defaultErrnoRet", 1);
        ArrayNode archMap = p.putArray("archMap");
        archMap.addObject().put("architecture", "SCMP_ARCH_X86_64").putArray("subArchitectures").add("SCMP_ARCH_X86").add("SCMP_ARCH_X32");
        archMap.addObject().put("architecture", "SCMP_ARCH_AARCH64").putArray("subArchitectures").add("SCMP_ARCH_ARM");
        ArrayNode syscalls = p.putArray("syscalls");
        try (var in = SeccompProfile.class.getResourceAsStream("seccomp-default.policy")) {
            if (in == null) {
                throw new IllegalStateException("seccomp-default.policy is missing from the jar");
            }
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    syscalls.add(policyRule(line));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        syscalls.add(rule("SCMP_ACT_ALLOW", "socket").set("args", arg(0, AF_VSOCK, "SCMP_CMP_NE")));
        for (long persona : PERSONALITIES) {
            syscalls.add(rule("SCMP_ACT_ALLOW", "personality").set("args", arg(0, persona, "SCMP_CMP_EQ")));
        }
        // without CAP_SYS_ADMIN: clone without namespace flags (s390 passes the flags second), and clone3,
        // whose flags seccomp cannot see, fails with ENOSYS so that libc falls back to clone
        ObjectNode clone = rule("SCMP_ACT_ALLOW", "clone");
        clone.set("args", arg(0, CLONE_NAMESPACE_FLAGS, "SCMP_CMP_MASKED_EQ"));
        clone.putObject("excludes").<ObjectNode>set("caps", JSON.createArrayNode().add("CAP_SYS_ADMIN"))
                .set("arches", JSON.createArrayNode().add("s390").add("s390x"));
        syscalls.add(clone);
        ObjectNode s390Clone = rule("SCMP_ACT_ALLOW", "clone");
        s390Clone.set("args", arg(1, CLONE_NAMESPACE_FLAGS, "SCMP_CMP_MASKED_EQ"));
        s390Clone.putObject("includes").putArray("arches").add("s390").add("s390x");
        s390Clone.putObject("excludes").putArray("caps").add("CAP_SYS_ADMIN");
        syscalls.add(s390Clone);
        ObjectNode clone3 = rule("SCMP_ACT_ERRNO", "clone3").put("errnoRet", ENOSYS);
        clone3.putObject("excludes").putArray("caps").add("CAP_SYS_ADMIN");
        syscalls.add(clone3);
        return p;
    }

    /** {@code allow[ cap=CAP_X| arch=a,b]: name name ...} */
    private static ObjectNode policyRule(String line) {
        int colon = line.indexOf(':');
        String[] head = line.substring(0, Math.max(0, colon)).trim().split("\\s+");
        if (colon < 0 || !head[0].equals("allow") || head.length > 2) {
            throw new IllegalStateException("bad seccomp policy line: " + line);
        }
        ObjectNode r = rule("SCMP_ACT_ALLOW", line.substring(colon + 1).trim().split("\\s+"));
        if (head.length == 2) {
            String[] kv = head[1].split("=", 2);
            ArrayNode values = r.putObject("includes").putArray(switch (kv[0]) {
                case "cap" -> "caps";
                case "arch" -> "arches";
                default -> throw new IllegalStateException("bad seccomp policy condition: " + head[1]);
            });
            for (String v : kv[1].split(",")) {
                values.add(v);
            }
        }
        return r;
    }

    private static ObjectNode rule(String action, String... names) {
        ObjectNode r = JSON.createObjectNode();
        ArrayNode n = r.putArray("names");
        for (String name : names) {
            n.add(name);
        }
        r.put("action", action);
        return r;
    }

    private static ArrayNode arg(int index, long value, String op) {
        ArrayNode args = JSON.createArrayNode();
        args.addObject().put("index", index).put("value", value).put("op", op);
        return args;
    }

    /** @param arch the host's seccomp architecture, e.g. {@code SCMP_ARCH_X86_64} */
    public static ObjectNode convert(JsonNode profile, String arch, Collection<String> capabilities) {
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
