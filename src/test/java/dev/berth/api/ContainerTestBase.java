package dev.berth.api;

import dev.berth.testing.BerthDaemon;
import dev.berth.testing.BusyboxImage;
import dev.berth.testing.DockerCli;
import dev.berth.testing.HostNetworkState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For container tests: a daemon of their own with the busybox image loaded, the docker CLI pointed at it,
 * and afterwards every container removed and a check that no monitor, runtime process or mount outlived them.
 */
abstract class ContainerTestBase {

    protected BerthDaemon daemon;
    protected DockerCli docker;
    /** The host's namespaces, links and firewall rules before the daemon started: they must be so after it stopped. */
    protected HostNetworkState hostNetwork;

    /** Arguments for the daemon of each test. */
    protected String[] daemonArgs() {
        return new String[0];
    }

    @BeforeEach
    void startDaemonWithBusybox() throws Exception {
        hostNetwork = HostNetworkState.now();
        daemon = BerthDaemon.start(daemonArgs());
        docker = DockerCli.against(daemon);
        Path tar = Files.write(daemon.dir().resolve("busybox.tar"), BusyboxImage.archive("busybox:latest"));
        ok("load", "-i", tar.toString());
    }

    @AfterEach
    void removeAllAndCheckNothingIsLeft() throws Exception {
        if (daemon == null) {
            return;
        }
        if (docker == null) {
            daemon.close();     // the test was skipped (no docker CLI) before it made anything
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
        assertEquals("", HostNetworkState.now().addedSince(hostNetwork), "networking left behind");
        daemon.close();
    }

    /**
     * A host reboot under the daemon: it is killed, and so are every running container's monitor and
     * processes, their mounts, cgroups and the runroot; then it starts again on the same root.
     */
    protected void rebootHost() throws Exception {
        List<String> ids = ok("ps", "-q", "--no-trunc").stdout().lines().toList();
        List<Long> pids = new java.util.ArrayList<>();
        for (String id : ids) {
            pids.add(Long.parseLong(ok("inspect", "-f", "{{.State.Pid}}", id).stdout().strip()));
        }
        daemon.process().destroyForcibly();
        assertTrue(daemon.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        for (int i = 0; i < ids.size(); i++) {
            Path bundle = daemon.dir().resolve("run/b").resolve(ids.get(i).substring(0, 20));
            String conmon = Files.readString(bundle.resolve("conmon.pid")).strip();
            new ProcessBuilder("kill", "-9", conmon, Long.toString(pids.get(i))).start().waitFor();
        }
        for (long pid : pids) {
            for (int i = 0; i < 50 && Files.exists(Path.of("/proc/" + pid)); i++) {
                Thread.sleep(100);
            }
        }
        for (String id : ids) {
            new ProcessBuilder("umount", "-l", daemon.dir().resolve("root/rootfs").resolve(id).resolve("merged").toString())
                    .redirectErrorStream(true).start().waitFor();
            try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path c : controllers.map(x -> x.resolve("berth").resolve(id)).filter(Files::isDirectory).toList()) {
                    Files.delete(c);
                }
            }
        }
        HostNetworkState.rebootTo(hostNetwork);
        BerthDaemon.deleteTree(daemon.dir().resolve("run"));
        daemon = BerthDaemon.startIn(daemon.dir(), daemonArgs());
        docker = DockerCli.against(daemon);
    }

    /** A web server container serving its own /etc (GET /hostname answers its hostname), once it listens; its short id. */
    protected String web(String... options) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-d"));
        args.addAll(List.of(options));
        args.addAll(List.of("busybox", "httpd", "-f", "-p", "80", "-h", "/etc"));
        String id = ok(args.toArray(String[]::new)).stdout().strip();
        for (int i = 0; i < 100 && docker.run("exec", id, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/hostname").exitCode() != 0; i++) {
            Thread.sleep(50);   // httpd not listening yet
        }
        return id.substring(0, 12);
    }

    /** Runs the CLI and asserts it succeeded, showing its stderr and the daemon's log when not. */
    protected DockerCli.Result ok(String... args) throws Exception {
        DockerCli.Result r = docker.run(args);
        assertEquals(0, r.exitCode(), "docker " + String.join(" ", args) + ": " + r.stderr() + "\n" + daemon.log());
        return r;
    }
}
