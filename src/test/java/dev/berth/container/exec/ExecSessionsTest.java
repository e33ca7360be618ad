package dev.berth.container.exec;

import dev.berth.container.spec.Capabilities;
import dev.berth.container.spec.ProcessRules;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExecSessionsTest {

    @Test
    void sessionEnvironmentOverridesTheContainersByName() {
        assertEquals(List.of("PATH=/bin", "A=2=two", "B=3"),
                ProcessRules.mergeEnv(List.of("PATH=/bin", "A=1"), List.of("A=2=two", "B=3")));
    }

    @Test
    void capabilityMasksNameTheirBits() {
        assertEquals(List.of("CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"), Capabilities.fromMask(1L | 1L << 5 | 1L << 21));
        assertEquals(Capabilities.ALL, Capabilities.fromMask(-1L));
        assertTrue(Capabilities.held().contains("CAP_CHOWN"), "the tests run as root");
    }
}
