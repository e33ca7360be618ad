package dev.berth.daemon;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SocketActivationTest {

    private static void assertRefused(Map<String, String> env, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> SocketActivation.listenFds(env, 42));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void refusesWhatIsNotOurs() {
        assertRefused(Map.of(), "LISTEN_PID/LISTEN_FDS are not set");
        assertRefused(Map.of("LISTEN_PID", "41", "LISTEN_FDS", "1"), "not this process");
        assertRefused(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "0"), "no sockets");
        assertRefused(Map.of("LISTEN_PID", "x", "LISTEN_FDS", "1"), "malformed");
    }

    @Test
    void refusesAnFdThatIsNotAUnixSocket() {
        // fd 3 of the test JVM is some file or pipe (or absent), never a listening unix socket of ours
        assertRefused(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "1"), "not a unix stream socket");
    }
}
