package dev.berth.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
    void theDefaultProfileFollowsArchitectureAndCapabilities() throws Exception {
        assumeTrue(Files.isRegularFile(SeccompProfile.DEFAULT), "golang-github-containers-common not installed: skipping");
        ObjectNode plain = SeccompProfile.forContainer(SeccompProfile.DEFAULT, "SCMP_ARCH_X86_64", OciSpecBuilder.DEFAULT_CAPABILITIES).orElseThrow();
        assertEquals("SCMP_ACT_ERRNO", plain.path("defaultAction").asText());
        assertEquals("SCMP_ARCH_X86_64", plain.path("architectures").get(0).asText());
        assertTrue(names(plain).contains("read") && names(plain).contains("clone"));
        assertEquals("SCMP_ACT_ERRNO", actionFor(plain, "bpf"), "bpf needs CAP_SYS_ADMIN");
        assertEquals("SCMP_ACT_ALLOW", actionFor(plain, "arch_prctl"), "x86_64 binaries need arch_prctl");
        List<String> admin = new ArrayList<>(OciSpecBuilder.DEFAULT_CAPABILITIES);
        admin.add("CAP_SYS_ADMIN");
        assertEquals("SCMP_ACT_ALLOW", actionFor(SeccompProfile.forContainer(SeccompProfile.DEFAULT, "SCMP_ARCH_X86_64", admin).orElseThrow(), "bpf"));
    }
}
