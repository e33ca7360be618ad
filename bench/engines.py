"""The three daemons under test, each on its own socket and data root, and how to talk to them."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
WORK = os.environ.get("BENCH_WORK", "/var/tmp/berth-bench")
RUN = os.environ.get("BENCH_RUN", "/run/berth-bench")
# the local registry the pull workload reads from (Debian's docker-registry); podman is told it speaks plain HTTP
REGISTRY = "127.0.0.1:5123"
DOCKER_CLI = next(p for p in ("/usr/local/bin/docker", "/usr/bin/docker") if os.access(p, os.X_OK))
ACTIVATE = "/usr/bin/systemd-socket-activate"


class UnixHTTP(http.client.HTTPConnection):
    """HTTP over a unix socket, as the docker CLI speaks to a daemon."""

    def __init__(self, path, timeout=120):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def rss_kib(pid):
    """Resident set of one process in KiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid, procs):
    """The processes under pid, children first."""
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = [p for p, (ppid, _) in procs.items() if ppid == parent]
        out += kids
        todo += kids
    return out


def processes():
    """pid -> (ppid, comm) for every process."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    s = f.read()
                comm = s[s.index("(") + 1:s.rindex(")")]
                ppid = int(s[s.rindex(")") + 2:].split()[1])
                out[int(d)] = (ppid, comm)
            except (OSError, ValueError):
                pass
    return out


class Engine:
    name = ""
    monitor = ""        # the per-container monitor process (comm)

    def __init__(self):
        self.sock = os.path.join(RUN, self.name + ".sock")
        self.root = os.path.join(WORK, self.name)
        self.proc = None
        self.log = None

    # ---- process ----

    def command(self, activated):
        raise NotImplementedError

    def env(self):
        return dict(os.environ)

    def start(self, activated=False):
        """Starts the daemon; with activated, systemd-socket-activate holds the socket and starts it on the first connection."""
        os.makedirs(RUN, exist_ok=True)
        os.makedirs(self.root, exist_ok=True)
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        cmd = self.command(activated)
        if activated:
            cmd = [ACTIVATE, "-l", self.sock] + self.activation_env() + cmd
        self.log = open(os.path.join(WORK, self.name + ".log"), "ab")
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        return self.proc

    def activation_env(self):
        return []

    def wait_ping(self, timeout=60):
        """Seconds until _ping answers OK."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            try:
                c = UnixHTTP(self.sock, timeout=timeout)
                c.request("GET", "/_ping")
                r = c.getresponse()
                body = r.read()
                c.close()
                if r.status == 200 and body.strip() == b"OK":
                    return time.monotonic() - t0
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: see {self.log.name}")
            time.sleep(0.002)
        raise RuntimeError(f"{self.name}: no _ping answer in {timeout}s")

    def stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def sweep(self):
        """After stop(): what a daemon that could not clean up (killed, or interrupted mid-run) left behind: its
        monitors with the containers under them, and mounts under its directories."""
        procs = processes()
        for pid in [p for p, (_, comm) in procs.items() if comm == self.monitor and Engine.owns(self, p, procs)]:
            for victim in descendants(pid, procs) + [pid]:
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        with open("/proc/mounts") as f:
            points = [line.split()[1] for line in f]
        mine = [m for m in points if m.startswith((self.root + "/", self.rundir + "/"))]
        for m in sorted(mine, key=len, reverse=True):   # the deepest first
            subprocess.run(["umount", "-l", m], check=False, stderr=subprocess.DEVNULL)

    def daemon_pids(self):
        """The daemon's own processes (not its containers' monitors or processes)."""
        return [self.proc.pid]

    def monitor_pids(self):
        procs = processes()
        return [p for p, (_, comm) in procs.items() if comm == self.monitor and self.owns(p, procs)]

    def owns(self, pid, procs):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
            return self.root.encode() in cmdline or RUN.encode() in cmdline
        except OSError:
            return False

    # ---- clients ----

    def cli(self, *args, input=None, stdout=subprocess.PIPE, check=True):
        r = subprocess.run([DOCKER_CLI, "-H", "unix://" + self.sock] + list(args), input=input, stdout=stdout,
                           stderr=subprocess.PIPE, env=cli_env())
        if check and r.returncode != 0:
            raise RuntimeError(f"{self.name}: docker {' '.join(args)}: {r.returncode} {r.stderr.decode(errors='replace')}")
        return r

    def cli_popen(self, *args, **kw):
        return subprocess.Popen([DOCKER_CLI, "-H", "unix://" + self.sock] + list(args), env=cli_env(), **kw)

    def api(self, method, path, body=None, conn=None):
        c = conn or UnixHTTP(self.sock)
        data = json.dumps(body).encode() if body is not None else None
        c.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        r = c.getresponse()
        raw = r.read()
        if conn is None:
            c.close()
        return r.status, (json.loads(raw) if raw and raw[:1] in (b"{", b"[") else raw)

    def clean(self):
        """Removes every container (10 at a time; a batch the daemon refuses, one by one, and once more)."""
        ids = self.cli("ps", "-aq").stdout.decode().split()
        for i in range(0, len(ids), 10):
            if self.cli("rm", "-f", *ids[i:i + 10], check=False).returncode != 0:
                for one in ids[i:i + 10]:
                    if self.cli("rm", "-f", one, check=False).returncode != 0:
                        time.sleep(0.5)     # podman: "could not be stopped ... state improper" while it settles
                        self.cli("rm", "-f", one, check=False)
        left = self.cli("ps", "-aq").stdout.decode().split()
        if left:
            raise RuntimeError(f"{self.name}: containers left after rm -f: {left}")


def cli_env():
    env = dict(os.environ)
    env["DOCKER_CONFIG"] = os.path.join(WORK, "cli-config")
    env.pop("DOCKER_HOST", None)
    env["DOCKER_BUILDKIT"] = "0"    # builds compare the engines' classic builders (Berth has no BuildKit)
    return env


class Berth(Engine):
    name = "berth"
    monitor = "conmon"
    rundir = os.path.join(RUN, "berth-run")

    def command(self, activated):
        return [os.path.join(REPO, "daemon", "berthd"), "-H", "fd://" if activated else "unix://" + self.sock,
                "--root", os.path.join(self.root, "root"), "--runroot", self.rundir]

    def env(self):
        env = dict(os.environ)
        if os.environ.get("BENCH_JFR"):
            # one recording per daemon process (%p: its pid), in the BENCH_JFR directory
            os.makedirs(os.environ["BENCH_JFR"], exist_ok=True)
            env["BERTH_JAVA_OPTS"] = (env.get("BERTH_JAVA_OPTS", "") + " -XX:StartFlightRecording=filename="
                                      + os.path.join(os.environ["BENCH_JFR"], "berth-%p.jfr")
                                      + ",settings=profile,dumponexit=true").strip()
        return env

    def live_heap_mib(self):
        """The JVM heap still in use after a full GC: what a leak would leave growing."""
        jcmd = os.path.join(java_home(), "bin", "jcmd")
        subprocess.run([jcmd, str(self.proc.pid), "GC.run"], capture_output=True, timeout=60)
        out = subprocess.run([jcmd, str(self.proc.pid), "GC.heap_info"], capture_output=True, text=True, timeout=60).stdout
        used = 0
        for line in out.splitlines():
            parts = line.split()
            if len(parts) > 4 and parts[0] in ("DefNew", "Tenured") and parts[3] == "used":   # the serial GC's
                used += int(parts[4].rstrip("K,"))
            elif line.strip().startswith("garbage-first heap") and "used" in parts:           # G1's
                used += int(parts[parts.index("used") + 1].rstrip("K,"))
        return used / 1024


def java_home():
    """The JDK the launcher picks (daemon/lib/java.sh)."""
    return subprocess.run(["bash", "-c", f". {REPO}/daemon/lib/java.sh && berth_find_java && echo $JAVA_HOME"],
                          capture_output=True, text=True, check=True).stdout.strip()


class Podman(Engine):
    name = "podman"
    monitor = "conmon"
    rundir = os.path.join(RUN, "podman-run")

    def command(self, activated):
        cmd = ["podman", "--root", os.path.join(self.root, "storage"), "--runroot", self.rundir,
               "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
               "system", "service", "--time", "0"]
        return cmd if activated else cmd + ["unix://" + self.sock]

    def stop(self):
        super().stop()
        # podman's overlay driver bind-mounts its own storage directory; it outlives the service
        overlay = os.path.join(self.root, "storage", "overlay")
        with open("/proc/mounts") as f:
            if any(line.split()[1] == overlay for line in f):
                subprocess.run(["umount", overlay], check=False)

    def env(self):
        env = dict(os.environ)
        # no default ulimits: podman's default nofile/nproc exceed what this host lets a process raise
        conf = os.path.join(WORK, "containers.conf")
        with open(conf, "w") as f:
            f.write('[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n'
                    'events_logger = "file"\n')
        env["CONTAINERS_CONF"] = conf
        # dockerd and Berth take loopback registries as plain HTTP; podman is told so
        registries = os.path.join(WORK, "registries.conf")
        with open(registries, "w") as f:
            f.write(f'[[registry]]\nlocation = "{REGISTRY}"\ninsecure = true\n')
        env["CONTAINERS_REGISTRIES_CONF"] = registries
        return env


class Dockerd(Engine):
    name = "dockerd"
    monitor = "containerd-shim"    # comm is cut to 15 characters: containerd-shim-runc-v2
    rundir = os.path.join(RUN, "dockerd-exec")

    def command(self, activated):
        return ["dockerd", "-H", "fd://" if activated else "unix://" + self.sock, "--data-root", os.path.join(self.root, "data"),
                "--exec-root", self.rundir, "--pidfile", os.path.join(RUN, "dockerd.pid"),
                # its default bridge on (docker0, NAT, its iptables chains), on a subnet of its own beside Berth's and podman's
                "--bip", "10.199.0.1/24", "--ip6tables=false", "--userland-proxy=false", "--containerd-namespace", "berth-bench", "--containerd-plugins-namespace", "berth-bench-plugins"]

    def daemon_pids(self):
        # dockerd starts its own containerd: both are the daemon
        procs = processes()
        return [self.proc.pid] + [p for p, (ppid, comm) in procs.items() if ppid == self.proc.pid and comm == "containerd"]

    def owns(self, pid, procs):
        return True


class HostNetwork:
    """The host's firewall rules and links before the run: dockerd and podman leave theirs behind when they stop."""

    def __init__(self, rules, links):
        self.rules, self.links = rules, links

    @staticmethod
    def now():
        return HostNetwork(subprocess.run(["iptables-save"], capture_output=True, text=True).stdout, HostNetwork._links())

    @staticmethod
    def _links():
        out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
        return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}

    def restore(self):
        tables = {line[1:] for line in self.rules.splitlines() if line.startswith("*")}
        now = subprocess.run(["iptables-save"], capture_output=True, text=True).stdout
        for table in {line[1:] for line in now.splitlines() if line.startswith("*")} - tables:
            subprocess.run(["iptables", "-t", table, "-F"], check=False)
            subprocess.run(["iptables", "-t", table, "-X"], check=False)
            for chain in ("INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"):
                subprocess.run(["iptables", "-t", table, "-P", chain, "ACCEPT"], check=False, stderr=subprocess.DEVNULL)
        if self.rules.strip():
            subprocess.run(["iptables-restore"], input=self.rules, text=True, check=False)
        for link in self._links() - self.links:
            if link.startswith(("docker", "cni-podman", "podman", "berth", "br-", "veth")):
                subprocess.run(["ip", "link", "delete", link], check=False, stderr=subprocess.DEVNULL)


def all_engines():
    return [Berth(), Podman(), Dockerd()]


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)
