package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real docker CLI against Berth: what a user types and sees. */
class DockerCliIT {

    private static BerthDaemon daemon;
    private static DockerCli docker;

    @BeforeAll
    static void start() throws Exception {
        daemon = BerthDaemon.start();
        docker = DockerCli.against(daemon);
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void dockerVersionPrintsBerthsServerSection() throws Exception {
        DockerCli.Result r = docker.run("version");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("Server: Berth"), r.stdout());
        assertTrue(r.stdout().contains("API version:      1.47 (minimum version 1.24)"), r.stdout());
        assertTrue(r.stdout().contains("conmon:") && r.stdout().contains("runc:"), r.stdout());
        assertFalse(r.stderr().contains("Error"), r.stderr());
    }

    @Test
    void dockerInfoPrintsTheHostWithoutErrors() throws Exception {
        DockerCli.Result r = docker.run("info");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("Server Version:"), r.stdout());
        assertTrue(r.stdout().contains("Default Runtime: runc"), r.stdout());
        assertTrue(r.stdout().contains("Docker Root Dir: " + daemon.dir().resolve("root")), r.stdout());
        assertTrue(r.stdout().contains("Swarm: inactive"), r.stdout());
        assertFalse(r.stderr().contains("ERROR"), r.stderr());
        assertEquals("linux", docker.run("info", "--format", "{{.OSType}}").stdout().strip());
    }

    @Test
    void aCommandBerthCannotServeYetFailsWithTheDaemonsMessage() throws Exception {
        DockerCli.Result r = docker.run("plugin", "install", "vieux/sshfs");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("Berth does not implement"), r.stderr());
    }
}
