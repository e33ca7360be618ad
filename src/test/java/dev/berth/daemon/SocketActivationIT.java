package dev.berth.daemon;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** berthd started by (an emulation of) systemd on the first connection, exiting when idle. */
class SocketActivationIT {

    private static final Path ACTIVATE = Path.of("/usr/bin/systemd-socket-activate");

    private Path dir;
    private Path socket;
    private Process activator;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(ACTIVATE), "systemd-socket-activate missing (package systemd): skipping");
        dir = BerthDaemon.scratch();
        socket = dir.resolve("b.sock");
        Files.writeString(dir.resolve("berth.json"), "{}");
        activator = new ProcessBuilder(ACTIVATE.toString(), "-l", socket.toString(),
                BerthDaemon.launcher().toString(), "-H", "fd://", "--time", "2",
                "--config", dir.resolve("berth.json").toString(),
                "--root", dir.resolve("root").toString(), "--runroot", dir.resolve("run").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("berthd.log").toFile()).start();
        for (int i = 0; i < 100 && !Files.exists(socket); i++) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(socket), "systemd-socket-activate did not create the socket");
    }

    @AfterEach
    void stop() throws Exception {
        if (activator != null) {
            activator.destroyForcibly().waitFor();
            BerthDaemon.deleteTree(dir);
        }
    }

    private String log() throws Exception {
        return Files.readString(dir.resolve("berthd.log"));
    }

    @Test
    void theFirstConnectionStartsTheDaemonAndItExitsWhenIdle() throws Exception {
        RawHttp.Response ping = RawHttp.request(socket, "GET", "/_ping", Map.of(), null);
        assertEquals(200, ping.status(), log());
        assertEquals("OK", ping.bodyText());
        assertEquals("1.47", ping.header("api-version"));
        assertTrue(activator.waitFor(20, TimeUnit.SECONDS), "still running after 20s idle with --time 2:\n" + log());
        assertEquals(0, activator.exitValue(), log());
        assertTrue(log().contains("idle for 2s"), log());
        assertTrue(Files.exists(socket), "the socket belongs to systemd and must stay");
    }

    @Test
    void anOpenConnectionKeepsTheDaemonAlive() throws Exception {
        try (RawHttp held = new RawHttp(socket)) {
            held.sendRequest("GET", "/_ping", Map.of(), null);
            assertEquals(200, held.readHead().status());
            assertFalse(activator.waitFor(4, TimeUnit.SECONDS), "exited while a client was connected:\n" + log());
        }
        assertTrue(activator.waitFor(20, TimeUnit.SECONDS), "did not exit once the client left:\n" + log());
        assertEquals(0, activator.exitValue());
    }

    @Test
    void theShippedUnitsAreValidAndStartThisLauncher() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze missing: skipping");
        Path units = Files.createDirectories(dir.resolve("units"));
        String service = Files.readString(BerthDaemon.repo().resolve("systemd/berth.service"));
        assertTrue(service.contains("ExecStart=/usr/lib/berth/berthd -H fd://"), service);
        assertTrue(service.contains("KillMode=process"), "stopping the daemon must not kill the containers' monitors");
        // The installed launcher is this one (daemon/setup --install copies it); verify against the repo's copy.
        Files.writeString(units.resolve("berth.service"), service.replace("/usr/lib/berth/berthd", BerthDaemon.launcher().toString()));
        String socketUnit = Files.readString(BerthDaemon.repo().resolve("systemd/berth.socket"));
        assertTrue(socketUnit.contains("ListenStream=/run/berth/berth.sock") && socketUnit.contains("SocketMode=0660"), socketUnit);
        Files.writeString(units.resolve("berth.socket"), socketUnit);
        Process p = new ProcessBuilder(analyze.toString(), "verify", units.resolve("berth.socket").toString(),
                units.resolve("berth.service").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void theDockerCliWorksOverAnActivatedSocket() throws Exception {
        DockerCli docker = DockerCli.against(socket, dir);
        DockerCli.Result r = docker.run("version", "--format", "{{.Server.APIVersion}}");
        assertEquals(0, r.exitCode(), r.stderr() + "\n" + log());
        assertEquals("1.47", r.stdout().strip());
    }
}
