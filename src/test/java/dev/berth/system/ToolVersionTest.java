package dev.berth.system;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ToolVersionTest {

    @Test
    void readsVersionAndCommitAsTheToolsPrintThem() {
        ToolVersion runc = ToolVersion.parse("runc", Path.of("/usr/sbin/runc"),
                "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n");
        assertEquals("1.1.5+ds1", runc.version());
        assertEquals("1.1.5+ds1-1+deb12u1", runc.commit());
        ToolVersion conmon = ToolVersion.parse("conmon", Path.of("/usr/bin/conmon"), "conmon version 2.1.6\ncommit: unknown\n");
        assertEquals("2.1.6", conmon.version());
        assertEquals("", ToolVersion.parse("x", Path.of("/x"), "x 3").commit());
    }
}
