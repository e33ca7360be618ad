package dev.berth.api;

import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** docker run flags (issue 6), each checked from inside the container and in docker inspect. */
class ContainerOptionsIT extends ContainerTestBase {

    private String inside(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "run";
        all[1] = "--rm";
        System.arraycopy(args, 0, all, 2, args.length);
        return ok(all).stdout();
    }

    @Test
    void mountsBindTmpfsReadOnlyRootAndShm() throws Exception {
        Path share = Files.createDirectories(daemon.dir().resolve("share"));
        Files.writeString(share.resolve("f"), "shared\n");
        Path created = daemon.dir().resolve("made-by-run");
        String out = inside("-v", share + ":/data:ro", "-v", created + ":/new", "--tmpfs", "/scratch:size=1m",
                "--mount", "type=tmpfs,target=/t2,tmpfs-size=2097152", "--read-only", "--shm-size", "8m",
                "busybox", "sh", "-c", "cat /data/f; touch /data/x /x /new/y 2>&1; grep -E ' /(data|new|scratch|t2|dev/shm) ' /proc/mounts");
        assertTrue(out.startsWith("shared\ntouch: /data/x: Read-only file system\ntouch: /x: Read-only file system\n"), out);
        assertTrue(out.matches("(?s).* /data \\S+ ro,.*"), out);
        assertTrue(out.contains("tmpfs /scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k"), out);
        assertTrue(out.contains("tmpfs /t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k"), out);
        assertTrue(out.contains("/dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=8192k"), out);
        assertTrue(Files.exists(created.resolve("y")), "the missing bind source was created and is writable");

        // a --tmpfs is no mount point (dockerd lists only --mount's tmpfs)
        String id = ok("create", "-v", share + ":/data:ro", "--tmpfs", "/s", "--mount", "type=tmpfs,target=/m", "busybox", "true").stdout().strip();
        assertEquals("[{\"Type\":\"bind\",\"Source\":\"" + share + "\",\"Destination\":\"/data\",\"Mode\":\"ro\",\"RW\":false,"
                + "\"Propagation\":\"rprivate\"},{\"Type\":\"tmpfs\",\"Source\":\"\",\"Destination\":\"/m\",\"Mode\":\"\",\"RW\":true,"
                + "\"Propagation\":\"\"}]", ok("inspect", "-f", "{{json .Mounts}}", id).stdout().strip());
    }

    @Test
    void capabilitiesPrivilegeAndSecurityOptions() throws Exception {
        assertEquals("CapEff:\t0000000000001000\n", inside("--cap-drop", "ALL", "--cap-add", "NET_ADMIN", "busybox", "grep", "CapEff", "/proc/self/status"));
        // dockerd's default set (a80425fb) without CAP_MKNOD (bit 27) and CAP_NET_RAW (bit 13)
        assertEquals("CapEff:\t00000000a00405fb\n", inside("--cap-drop", "mknod", "--cap-drop", "CAP_NET_RAW", "busybox", "grep", "CapEff", "/proc/self/status"));
        String held = new String(Files.readAllBytes(Path.of("/proc/self/status")), StandardCharsets.UTF_8)
                .lines().filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow().substring(7).strip();
        String priv = inside("--privileged", "busybox", "sh", "-c", "grep CapEff /proc/self/status; "
                + "test -c /dev/kmsg && echo devices; grep Seccomp: /proc/self/status");
        assertEquals("CapEff:\t" + held + "\ndevices\nSeccomp:\t0\n", priv, "privileged: the daemon's own capabilities, host devices, no seccomp");
        assertEquals("NoNewPrivs:\t1\nSeccomp:\t0\n", inside("--security-opt", "no-new-privileges", "--security-opt", "seccomp=unconfined",
                "busybox", "grep", "-E", "NoNewPrivs|Seccomp:", "/proc/self/status"));
        assertEquals("uid=0(root) gid=0(root) groups=1000(user),65534(nogroup)\n1\n500\n", inside("--group-add", "nogroup", "--group-add", "1000",
                "--sysctl", "net.ipv4.ip_forward=1", "--oom-score-adj", "500", "busybox", "sh", "-c",
                "id; cat /proc/sys/net/ipv4/ip_forward /proc/self/oom_score_adj"));
    }

    @Test
    void hostsDnsDomainInitAndUlimits() throws Exception {
        String out = inside("--add-host", "foo:1.2.3.4", "--dns", "9.9.9.9", "--dns-search", "example.com", "--dns-option", "ndots:2",
                "--domainname", "dom.test", "--hostname", "h", "busybox", "sh", "-c", "cat /etc/hosts /etc/resolv.conf /proc/sys/kernel/domainname");
        assertTrue(out.matches("(?s).*\n1\\.2\\.3\\.4\tfoo\n172\\.[0-9.]+\th\\.dom\\.test\th\n.*"), out);
        assertTrue(out.endsWith("nameserver 9.9.9.9\nsearch example.com\noptions ndots:2\ndom.test\n"), out);
        assertTrue(inside("--init", "busybox", "ps", "-o", "pid,args").contains("    1 /sbin/docker-init -- ps -o pid,args"));
        assertEquals("1024\n2048\n100\n", inside("--ulimit", "nofile=1024:2048", "--ulimit", "nproc=100:200", "busybox", "sh", "-c",
                "ulimit -n; ulimit -Hn; ulimit -u"));
        // above the daemon's own hard limit: lowered with a warning, not a failed start
        long daemonHard = Long.parseLong(Files.readAllLines(Path.of("/proc/" + daemon.process().pid() + "/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow().split("\\s+")[4]);
        DockerCli.Result r = docker.run("run", "--rm", "--ulimit", "nofile=" + (daemonHard + 1) + ":" + (daemonHard + 1), "busybox", "sh", "-c", "ulimit -Hn");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(daemonHard + "\n", r.stdout());
        assertTrue(r.stderr().contains("above the daemon's hard limit"), r.stderr());
    }

    @Test
    void cgroupResourcesAreSet() throws Exception {
        boolean v1 = Files.exists(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")) || Files.isDirectory(Path.of("/sys/fs/cgroup/memory"));
        String script = v1
                ? "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.soft_limit_in_bytes "
                  + "/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/pids/pids.max"
                : "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.low /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight "
                  + "/sys/fs/cgroup/cpuset.cpus /sys/fs/cgroup/pids.max";
        String out = inside("-m", "64m", "--memory-reservation", "32m", "--cpus", "0.5", "--cpu-shares", "512", "--cpuset-cpus", "0",
                "--pids-limit", "50", "busybox", "sh", "-c", script);
        assertEquals(v1 ? "67108864\n33554432\n50000\n512\n0\n50\n" : "67108864\n33554432\n50000 100000\n20\n0\n50\n", out);
        assertEquals("67108864 50", ok("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}",
                ok("create", "-m", "64m", "--pids-limit", "50", "busybox").stdout().strip()).stdout().strip());
    }

    @Test
    void devicesSeccompProfilesCgroupParentAndCpuQuota() throws Exception {
        assertEquals("char\n", inside("--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c", "test -c /dev/mynull && echo char"));
        Path profile = Files.writeString(daemon.dir().resolve("no-mkdir.json"), "{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                + "\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
        DockerCli.Result r = docker.run("run", "--rm", "--security-opt", "seccomp=" + profile, "busybox", "mkdir", "/tmp/x");
        assertTrue(r.exitCode() != 0 && r.stderr().contains("Operation not permitted"), r.stderr());
        String parent = "berth-test-" + daemon.dir().getFileName();
        assertTrue(inside("--cgroup-parent", parent, "busybox", "cat", "/proc/self/cgroup").contains(":/" + parent + "/"));
        // the runtime removes the container's cgroup but not a parent it made: the test's own to clean up
        try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path c : controllers.map(x -> x.resolve(parent)).filter(Files::isDirectory).toList()) {
                Files.delete(c);
            }
        }
        boolean v1 = Files.isDirectory(Path.of("/sys/fs/cgroup/cpu"));
        assumeTrue(v1, "the quota check reads cgroup v1 files: skipping on a cgroup v2 host");
        assertEquals("20000\n50000\n", inside("--cpu-quota", "20000", "--cpu-period", "50000", "busybox", "cat",
                "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"));
        assertTrue(inside("--device-cgroup-rule", "c 42:* rwm", "--cpuset-mems", "0", "busybox", "cat",
                "/sys/fs/cgroup/devices/devices.list", "/sys/fs/cgroup/cpuset/cpuset.mems").contains("c 42:* rwm\n"));
        DockerCli.Result weight = docker.run("run", "--rm", "--blkio-weight", "300", "busybox", "cat", "/sys/fs/cgroup/blkio/blkio.weight");
        assertTrue(weight.stdout().equals("300\n") || weight.stderr().contains("does not support Block I/O weight"),
                "applied where the kernel can, else a warning: " + weight.stdout() + weight.stderr());
        if (Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))) {
            assertEquals("100663296\n", inside("-m", "64m", "--memory-swap", "96m", "busybox", "cat",
                    "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"));
        }
    }

    @Test
    void pauseUnpauseRenameAndTop() throws Exception {
        ok("run", "-d", "--name", "ticker", "busybox", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/t; sleep 0.05; done");
        ok("pause", "ticker");
        assertEquals("paused true", ok("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "ticker").stdout().strip());
        assertTrue(ok("ps", "--format", "{{.Status}}").stdout().contains("(Paused)"));
        DockerCli.Result r = docker.run("pause", "ticker");
        assertTrue(r.exitCode() != 0 && r.stderr().contains("is already paused"), r.stderr());
        assertTrue(docker.run("exec", "ticker", "true").stderr().contains("is paused"));
        Thread.sleep(300);
        ok("unpause", "ticker");
        String before = ok("exec", "ticker", "cat", "/tmp/t").stdout();
        Thread.sleep(300);
        assertFalse(before.equals(ok("exec", "ticker", "cat", "/tmp/t").stdout()), "it runs again after unpause");

        DockerCli.Result top = ok("top", "ticker");
        assertTrue(top.stdout().startsWith("UID"), top.stdout());
        assertTrue(top.stdout().contains("sh -c i=0; while true"), top.stdout());
        assertTrue(ok("top", "ticker", "-o", "pid,comm").stdout().matches("(?s)PID\\s+COMMAND\n.*sh\n.*"));

        ok("rename", "ticker", "tocker");
        assertEquals("/tocker", ok("inspect", "-f", "{{.Name}}", "tocker").stdout().strip());
        ok("create", "--name", "other", "busybox");
        assertTrue(docker.run("rename", "tocker", "other").stderr().contains("is already in use"));
        assertTrue(docker.run("rename", "nosuch", "x2").stderr().contains("No such container: nosuch"));
        ok("pause", "tocker");
        ok("rm", "-f", "tocker");   // a paused container can be removed by force
    }

    @Test
    void badValuesAre400sNamingTheField() throws Exception {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":-1}}", "invalid Memory"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"CapAdd\":[\"NOPE\"]}}", "invalid CapAdd: unknown capability: \\\"NOPE\\\""),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"/tmp\"]}}", "invalid volume specification: '/tmp'"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"/tmp:relative\"]}}", "mount path must be absolute"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"CpusetCpus\":\"0-4096\"}}", "invalid CpusetCpus: Requested CPUs are not available"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"Sysctls\":{\"kernel.hostname\":\"x\"}}}", "invalid Sysctls"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/no/such/dir\",\"Target\":\"/x\"}]}}", "bind source path does not exist: /no/such/dir"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"ExtraHosts\":[\"nohost\"]}}", "invalid ExtraHosts"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"SecurityOpt\":[\"bogus=1\"]}}", "Invalid --security-opt"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}", "invalid restart policy: unknown policy 'sometimes'"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\",\"MaximumRetryCount\":2}}}", "maximum retry count can only be used with 'on-failure'"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}}", "cannot specify both --restart and --rm"),
                Map.entry("{\"Image\":\"busybox\",\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":-1}}", "Interval in Healthcheck cannot be less than 1ms"),
                Map.entry("{\"Image\":\"busybox\",\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Timeout\":500}}", "Timeout in Healthcheck cannot be less than 1ms"),
                Map.entry("{\"Image\":\"busybox\",\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Retries\":-1}}", "Retries in Healthcheck cannot be negative"),
                Map.entry("{\"Image\":\"busybox\",\"HostConfig\":{\"Isolation\":\"hyperv\"}}", "invalid isolation 'hyperv' on linux"),
                Map.entry("{\"Image\":\"busybox\",\"Env\":[\"=foo\"]}", "invalid environment variable: =foo"),
                Map.entry("{\"Image\":\"busybox\",\"Env\":[\"A=1\",\"\"]}", "invalid environment variable: "));
        for (var c : cases.entrySet()) {
            RawHttp.Response r = RawHttp.request(daemon.socket(), "POST", "/containers/create", Map.of("Content-Type", "application/json"),
                    c.getKey().getBytes(StandardCharsets.UTF_8));
            assertEquals(400, r.status(), c.getKey() + " -> " + r.bodyText());
            assertTrue(r.bodyText().contains(c.getValue()), c.getKey() + " -> " + r.bodyText());
        }
        // taken as dockerd takes them: a test type it does not know (never probed), the default isolation
        RawHttp.Response taken = RawHttp.request(daemon.socket(), "POST", "/containers/create?name=oddcheck",
                Map.of("Content-Type", "application/json"), ("{\"Image\":\"busybox\",\"Healthcheck\":{\"Test\":[\"BOGUS\",\"true\"]},"
                        + "\"HostConfig\":{\"Isolation\":\"default\"}}").getBytes(StandardCharsets.UTF_8));
        assertEquals(201, taken.status(), taken.bodyText());
        ok("rm", "oddcheck");
        RawHttp.Response r = RawHttp.request(daemon.socket(), "POST", "/containers/create", Map.of("Content-Type", "application/json"),
                ("{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"named\",\"Target\":\"/data\","
                        + "\"VolumeOptions\":{\"Subpath\":\"sub\"}}]}}").getBytes(StandardCharsets.UTF_8));
        assertEquals(501, r.status(), r.bodyText());
        assertTrue(r.bodyText().contains("does not implement volume subpaths"), r.bodyText());
        assertEquals("", ok("volume", "ls", "-q").stdout().strip(), "a refused create made no volume");
        DockerCli.Result from = docker.run("create", "--volumes-from", "somebox", "busybox");
        assertTrue(from.exitCode() != 0 && from.stderr().contains("No such container: somebox"), from.stderr());
        assertEquals("", ok("ps", "-aq").stdout().strip(), "a refused create left a container behind");
    }

    @Test
    void volumesFromCopiesTheBindMountsOfOtherContainers() throws Exception {
        Path share = Files.createDirectories(daemon.dir().resolve("shared-data"));
        Path logs = Files.createDirectories(daemon.dir().resolve("shared-logs"));
        Files.writeString(share.resolve("f"), "from the source\n");
        ok("create", "--name", "source", "-v", share + ":/data", "-v", logs + ":/logs:ro", "--tmpfs", "/scratch", "busybox", "true");
        ok("create", "--name", "middle", "--volumes-from", "source", "busybox", "true");
        // through a container that inherited them, with their own modes; a tmpfs is not a volume and stays behind
        assertEquals("from the source\nwritten\nro\n0\n", inside("--volumes-from", "middle", "busybox", "sh", "-c",
                "cat /data/f; echo written > /data/new && cat /data/new; grep ' /logs ' /proc/mounts | grep -o ro, | tr -d ,; "
                + "grep -c ' /scratch ' /proc/mounts || true"));
        assertEquals("touch: /data/x: Read-only file system\n", inside("--volumes-from", "source:ro", "busybox", "sh", "-c",
                "touch /data/x 2>&1; true"));
        // a target the container binds itself stays its own
        assertEquals("own\n", inside("--volumes-from", "source", "-v", logs + ":/data", "busybox", "sh", "-c",
                "echo own > /data/g; cat /data/g; test -f /data/f && echo inherited; true"));
        String id = ok("create", "--volumes-from", "source:ro", "busybox", "true").stdout().strip();
        // the CLI keeps -v flags in a Go map, so the source's Binds (and so the mounts) come in any order
        assertEquals(List.of("/data:false", "/logs:false"), ok("inspect", "-f", "{{range .Mounts}}{{.Destination}}:{{.RW}}\n{{end}}", id)
                .stdout().lines().filter(l -> !l.isBlank()).sorted().toList());
        assertEquals("[\"source:ro\"]", ok("inspect", "-f", "{{json .HostConfig.VolumesFrom}}", id).stdout().strip());
        DockerCli.Result bad = docker.run("create", "--volumes-from", "source:rx", "busybox");
        assertTrue(bad.exitCode() != 0 && bad.stderr().contains("invalid VolumesFrom"), bad.stderr());
        ok("rm", "source");
        ok("start", "-a", id);      // the copies outlive their source, as with dockerd
    }
}
