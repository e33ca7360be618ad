package dev.berth.container.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeccompProfileTest {

    private static String actionFor(ObjectNode profile, String syscall) {
        for (var r : profile.path("syscalls")) {
            for (var n : r.path("names")) {
                if (n.asText().equals(syscall)) {
                    return r.path("action").asText();
                }
            }
        }
        return profile.path("defaultAction").asText();
    }

    private static List<String> names(ObjectNode profile) {
        List<String> out = new ArrayList<>();
        profile.path("syscalls").forEach(r -> r.path("names").forEach(n -> out.add(n.asText())));
        return out;
    }

    @Test
    void theBuiltInProfileFollowsArchitectureAndCapabilities() {
        ObjectNode plain = SeccompProfile.convert(SeccompProfile.defaultProfile(), "SCMP_ARCH_X86_64", OciSpecBuilder.DEFAULT_CAPABILITIES);
        assertEquals("SCMP_ACT_ERRNO", plain.path("defaultAction").asText());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                plain.path("architectures").valueStream().map(a -> a.asText()).toList());
        assertTrue(names(plain).contains("read") && names(plain).contains("clone"));
        assertEquals("SCMP_ACT_ERRNO", actionFor(plain, "bpf"), "bpf needs CAP_SYS_ADMIN");
        assertEquals("SCMP_ACT_ERRNO", actionFor(plain, "unshare"), "unshare needs CAP_SYS_ADMIN, as in Docker's profile");
        assertEquals("SCMP_ACT_ERRNO", actionFor(plain, "mount"));
        assertEquals("SCMP_ACT_ALLOW", actionFor(plain, "arch_prctl"), "x86_64 binaries need arch_prctl");
        assertTrue(!names(plain).contains("cacheflush"), "arm-only syscalls are left out on x86_64");
        var clone = plain.path("syscalls").valueStream().filter(r -> r.path("names").get(0).asText().equals("clone")).toList();
        assertEquals(1, clone.size(), "clone only without namespace flags");
        assertEquals("SCMP_CMP_MASKED_EQ", clone.getFirst().path("args").get(0).path("op").asText());
        List<String> admin = new ArrayList<>(OciSpecBuilder.DEFAULT_CAPABILITIES);
        admin.add("CAP_SYS_ADMIN");
        ObjectNode withAdmin = SeccompProfile.convert(SeccompProfile.defaultProfile(), "SCMP_ARCH_X86_64", admin);
        assertEquals("SCMP_ACT_ALLOW", actionFor(withAdmin, "bpf"));
        assertEquals("SCMP_ACT_ALLOW", actionFor(withAdmin, "unshare"));
        assertTrue(withAdmin.path("syscalls").valueStream().noneMatch(r -> r.path("names").get(0).asText().equals("clone3")
                && r.path("action").asText().equals("SCMP_ACT_ERRNO")), "with CAP_SYS_ADMIN clone3 is allowed");
    }
}
