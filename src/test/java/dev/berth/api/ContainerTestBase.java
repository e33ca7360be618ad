package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.BusyboxImage;
import dev.berth.testing.DockerCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * For container tests: a daemon of their own with the busybox image loaded, the docker CLI pointed at it,
 * and afterwards every container removed and a check that no monitor, runtime process or mount outlived them.
 */
abstract class ContainerTestBase {

    protected BerthDaemon daemon;
    protected DockerCli docker;

    @BeforeEach
    void startDaemonWithBusybox() throws Exception {
        daemon = BerthDaemon.start();
        docker = DockerCli.against(daemon);
        Path tar = Files.write(daemon.dir().resolve("busybox.tar"), BusyboxImage.archive("busybox:latest"));
        ok("load", "-i", tar.toString());
    }

    @AfterEach
    void removeAllAndCheckNothingIsLeft() throws Exception {
        if (daemon == null) {
            return;
        }
        String left = docker.run("ps", "-aq").stdout().strip();
        if (!left.isEmpty()) {
            docker.run(("rm -f " + left.replace('\n', ' ')).split(" "));
        }
        daemon.stop();
        String dir = daemon.dir().toString();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                String cmd;
                try {
                    cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                } catch (java.io.IOException gone) {
                    continue;
                }
                assertFalse(cmd.contains(dir) && (cmd.contains("conmon") || cmd.contains("runc")), "left running: " + cmd);
            }
        }
        assertFalse(Files.readString(Path.of("/proc/mounts")).contains(dir), "a mount was left behind");
        daemon.close();
    }

    /** Runs the CLI and asserts it succeeded, showing its stderr and the daemon's log when not. */
    protected DockerCli.Result ok(String... args) throws Exception {
        DockerCli.Result r = docker.run(args);
        assertEquals(0, r.exitCode(), "docker " + String.join(" ", args) + ": " + r.stderr() + "\n" + daemon.log());
        return r;
    }
}
