package dev.berth.runtime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RuntimeMessageTest {

    @Test
    void theUserGetsRuncsMessageWithoutItsLogFraming() {
        assertEquals("runc create failed: exec: \"/x\": stat /x: no such file or directory",
                ConmonRuntime.runtimeMessage("time=\"2026-11-22T21:02:55Z\" level=error msg=\"runc create failed: exec: \\\"/x\\\": stat /x: no such file or directory\"\n"));
        assertEquals("plain failure", ConmonRuntime.runtimeMessage(" plain failure\n"));
    }
}
