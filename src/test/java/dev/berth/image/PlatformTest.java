package dev.berth.image;

import dev.berth.errors.EngineException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Platform specifiers as containerd's platforms.Parse reads them. */
class PlatformTest {

    private static final Platform AMD64 = new Platform("linux", "amd64", "");

    @Test
    void parsesSpecifiersAsContainerdDoes() {
        assertEquals(AMD64, Platform.parse("", AMD64));
        assertEquals(AMD64, Platform.parse("linux/x86_64", AMD64));
        assertEquals(AMD64, Platform.parse("Linux/AMD64", AMD64));
        assertEquals(AMD64, Platform.parse("linux", AMD64), "a lone OS takes the default architecture");
        assertEquals(new Platform("linux", "arm64", ""), Platform.parse("aarch64", AMD64), "a lone architecture the default OS");
        assertEquals(new Platform("linux", "arm64", ""), Platform.parse("linux/arm64/v8", AMD64));
        assertEquals(new Platform("linux", "arm", "v7"), Platform.parse("linux/arm/v7", AMD64));
        assertEquals(new Platform("windows", "amd64", ""), Platform.parse("windows", AMD64));
        assertEquals("\"foo\": unknown operating system or architecture: invalid argument",
                assertThrows(EngineException.class, () -> Platform.parse("foo", AMD64)).getMessage());
        assertEquals("\"a/b/c/d\": cannot parse platform specifier: invalid argument",
                assertThrows(EngineException.class, () -> Platform.parse("a/b/c/d", AMD64)).getMessage());
        assertEquals("\"\" is an invalid component of \"linux/\": platform specifier component must match \"^[A-Za-z0-9_.-]+$\": invalid argument",
                assertThrows(EngineException.class, () -> Platform.parse("linux/", AMD64)).getMessage());
    }

    @Test
    void anEmptyVariantMatchesAny() {
        assertTrue(Platform.parse("linux/arm", AMD64).matches(new Platform("linux", "arm", "v6")));
        assertFalse(Platform.parse("linux/arm/v7", AMD64).matches(new Platform("linux", "arm", "v6")));
        assertFalse(AMD64.matches(new Platform("linux", "arm64", "")));
        assertFalse(AMD64.matches(new Platform("windows", "amd64", "")));
    }
}
