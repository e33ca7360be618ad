#!/usr/bin/env python3
"""Berth against podman and dockerd on one machine: the same busybox image in all three, the same
workloads through the real docker CLI and the raw API, interleaved (A, B, C, A, B, C ...) so that
machine noise hits all alike. Every workload checks its result, not only its time.

Run through bench/run (which installs the peers and builds Berth); see bench/README.md.
"""

import argparse
import concurrent.futures
import csv
import datetime
import hashlib
import io
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import time

import engines
from engines import UnixHTTP, rss_kib

MiB = 1024 * 1024


# ---- the image ----

def busybox_layer():
    """A layer of Debian's busybox-static with one symlink per applet (as the tests build it)."""
    applets = [a for a in subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True, check=True).stdout.split()
               if a != "busybox"]
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, kind=tarfile.DIRTYPE, data=b"", mode=0o755, link=""):
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime, info.linkname, info.size = kind, mode, 1700000000, link, len(data)
            t.addfile(info, io.BytesIO(data) if data else None)
        for d in ("bin", "etc", "root", "tmp", "proc", "sys", "dev"):
            add(d, mode=0o1777 if d == "tmp" else 0o755)
        with open("/bin/busybox", "rb") as f:
            add("bin/busybox", tarfile.REGTYPE, f.read())
        for a in applets:
            add("bin/" + a, tarfile.SYMTYPE, link="busybox")
        add("etc/passwd", tarfile.REGTYPE, b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", 0o644)
        add("etc/group", tarfile.REGTYPE, b"root:x:0:\nnogroup:x:65534:\n", 0o644)
    return layer.getvalue()


def busybox_archive(path):
    """A docker-archive of busybox_layer()."""
    layer = busybox_layer()
    diff = hashlib.sha256(layer).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
                         "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff]},
                         # a history entry for the layer: podman's builder refuses an image whose history lists none
                         "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "busybox-static"}]}).encode()
    chex = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": chex + ".json", "RepoTags": ["busybox:latest"], "Layers": [diff + "/layer.tar"]}]).encode()
    with tarfile.open(path, "w") as t:
        for name, data in ((diff + "/layer.tar", layer), (chex + ".json", config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1700000000
            t.addfile(info, io.BytesIO(data))


# ---- workloads: each returns its measure and raises when the result is wrong ----

def run_latency(e):
    t0 = time.monotonic()
    e.cli("run", "--rm", "--network", "none", "busybox", "true")
    return time.monotonic() - t0


def run_latency_bridge(e):
    """docker run --rm on each engine's default network: a namespace, an address, NAT, and their removal."""
    t0 = time.monotonic()
    e.cli("run", "--rm", "busybox", "true")
    return time.monotonic() - t0


def api_lifecycle(e):
    """create + start + wait + delete over one keep-alive connection, no CLI."""
    t0 = time.monotonic()
    c = UnixHTTP(e.sock)
    status, body = e.api("POST", "/containers/create", {"Image": "busybox", "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}}, c)
    assert status == 201, (status, body)
    cid = body["Id"]
    status, _ = e.api("POST", f"/containers/{cid}/start", None, c)
    assert status == 204, status
    status, body = e.api("POST", f"/containers/{cid}/wait", None, c)
    assert status == 200 and body["StatusCode"] == 0, (status, body)
    status, _ = e.api("DELETE", f"/containers/{cid}", None, c)
    assert status == 204, status
    c.close()
    return time.monotonic() - t0


def exec_latency(e):
    t0 = time.monotonic()
    r = e.cli("exec", "bench-idle", "echo", "ok")
    assert r.stdout == b"ok\n", r.stdout
    return time.monotonic() - t0


def count_stdout(e, args, expected):
    """Bytes per second of a CLI's stdout, checking the exact byte count."""
    t0 = time.monotonic()
    p = e.cli_popen(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    total = 0
    buf = bytearray(MiB)
    while True:
        n = p.stdout.readinto(buf)
        if not n:
            break
        total += n
    p.wait()
    elapsed = time.monotonic() - t0
    assert p.returncode == 0 and total == expected, (e.name, p.returncode, total, p.stderr.read())
    return expected / elapsed / MiB


def attach_stdout(e):
    n = 512 * MiB
    return count_stdout(e, ["run", "--rm", "--network", "none", "busybox", "head", "-c", str(n), "/dev/zero"], n)


def exec_stdout(e):
    n = 512 * MiB
    return count_stdout(e, ["exec", "bench-idle", "head", "-c", str(n), "/dev/zero"], n)


STDIN_DATA = None


def stdin_throughput(e):
    global STDIN_DATA
    if STDIN_DATA is None:
        STDIN_DATA = os.urandom(100 * MiB)
    t0 = time.monotonic()
    r = e.cli("run", "--rm", "-i", "--network", "none", "busybox", "md5sum", input=STDIN_DATA)
    elapsed = time.monotonic() - t0
    assert r.stdout.split()[0].decode() == hashlib.md5(STDIN_DATA).hexdigest(), r.stdout
    return len(STDIN_DATA) / elapsed / MiB


CP_FILE = None


def copy_in_out(e):
    """docker cp of a 256 MiB file into a running container, then out again: two measures, each copy checked."""
    global CP_FILE
    n = 256 * MiB
    if CP_FILE is None:
        CP_FILE = os.path.join(engines.WORK, "cp-256m")
        with open(CP_FILE, "wb") as f:
            f.write(os.urandom(n))
        CP_FILE = (CP_FILE, hashlib.md5(open(CP_FILE, "rb").read()).hexdigest())
    path, md5 = CP_FILE
    out = os.path.join(engines.WORK, f"cp-out-{e.name}")
    t0 = time.monotonic()
    e.cli("cp", path, "bench-idle:/tmp/big")
    into = time.monotonic() - t0
    r = e.cli("exec", "bench-idle", "md5sum", "/tmp/big")
    assert r.stdout.split()[0].decode() == md5, r.stdout
    t0 = time.monotonic()
    e.cli("cp", "bench-idle:/tmp/big", out)
    out_of = time.monotonic() - t0
    with open(out, "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == md5, "the copy out differs"
    os.remove(out)
    e.cli("exec", "bench-idle", "rm", "/tmp/big")
    return {"cp 256 MiB into a container": n / into / MiB, "cp 256 MiB out of a container": n / out_of / MiB}


class LocalRegistry:
    """Debian's docker-registry on 127.0.0.1, holding an image of 5 layers (~200 MiB, incompressible) put there by skopeo."""

    IMAGE = f"{engines.REGISTRY}/bench/big:1"

    def __init__(self):
        self.dir = os.path.join(engines.WORK, "registry")
        engines.remove_tree(self.dir)
        os.makedirs(self.dir)
        host, port = engines.REGISTRY.split(":")
        config = os.path.join(self.dir, "config.yml")
        with open(config, "w") as f:
            f.write(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {self.dir}/data\n"
                    f"http:\n  addr: {host}:{port}\n")
        self.proc = subprocess.Popen(["/usr/bin/docker-registry", "serve", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        archive = os.path.join(self.dir, "big.tar")
        big_archive(archive)
        subprocess.run(["skopeo", "copy", "--dest-tls-verify=false", "--format", "v2s2", "docker-archive:" + archive,
                        "docker://" + self.IMAGE], check=True, stdout=subprocess.DEVNULL)
        os.remove(archive)
        manifest = json.loads(subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + self.IMAGE],
                                             check=True, capture_output=True).stdout)
        self.image_id = manifest["config"]["digest"]

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        engines.remove_tree(self.dir)


def big_archive(path):
    """A docker-archive of busybox plus 4 layers of 48 MiB of random bytes each (gzip cannot shrink them)."""
    layers = [busybox_layer()]
    for i in range(4):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
            info = tarfile.TarInfo(f"data/layer{i}.bin")
            info.size, info.mtime = 48 * MiB, 1700000000
            t.addfile(info, io.BytesIO(os.urandom(48 * MiB)))
        layers.append(buf.getvalue())
    diff_ids = ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in layers]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}, "created": "2026-11-27T00:00:00Z"}).encode()
    with tarfile.open(path, "w") as t:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1700000000
            t.addfile(info, io.BytesIO(data))
        add("config.json", config)
        for i, layer in enumerate(layers):
            add(f"layer{i}.tar", layer)
        add("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["bench/big:1"],
                                          "Layers": [f"layer{i}.tar" for i in range(len(layers))]}]).encode())


BUILD_CONTEXT = None


def build(e):
    """A 5-step Dockerfile with each engine's classic builder: cold (no cache, a fresh tag) and then all cached."""
    global BUILD_CONTEXT
    if BUILD_CONTEXT is None:
        BUILD_CONTEXT = os.path.join(engines.WORK, "build-context")
        os.makedirs(BUILD_CONTEXT, exist_ok=True)
        with open(os.path.join(BUILD_CONTEXT, "Dockerfile"), "w") as f:
            f.write("FROM busybox\nENV APP=/app\nWORKDIR /app\nCOPY data.bin /app/\nRUN md5sum data.bin > data.md5\n"
                    "CMD [\"cat\", \"/app/data.md5\"]\n")
        with open(os.path.join(BUILD_CONTEXT, "data.bin"), "wb") as f:
            f.write(os.urandom(8 * MiB))
    tag = f"bench-built-{e.name}:1"
    t0 = time.monotonic()
    e.cli("build", "--no-cache", "-q", "-t", tag, BUILD_CONTEXT)
    cold = time.monotonic() - t0
    t0 = time.monotonic()
    e.cli("build", "-q", "-t", tag, BUILD_CONTEXT)
    cached = time.monotonic() - t0
    out = e.cli("run", "--rm", "--network", "none", tag).stdout.decode()
    assert out.strip().endswith("data.bin"), out
    e.cli("rmi", "-f", tag)
    e.cli("image", "prune", "-f")
    return {"build, 5 steps, no cache": cold, "build, 5 steps, all cached": cached}


REGISTRY = None


def pull(e):
    """docker pull of the 5-layer image from the local registry, the engine's copy of it removed first."""
    global REGISTRY
    if REGISTRY is None:
        REGISTRY = LocalRegistry()
    e.cli("rmi", "-f", LocalRegistry.IMAGE, check=False)
    t0 = time.monotonic()
    e.cli("pull", LocalRegistry.IMAGE)
    elapsed = time.monotonic() - t0
    got = e.cli("image", "inspect", "-f", "{{.Id}}", LocalRegistry.IMAGE).stdout.decode().strip()
    assert got == REGISTRY.image_id, (got, REGISTRY.image_id)
    e.cli("rmi", "-f", LocalRegistry.IMAGE)
    return elapsed


def run_many(e, count, parallel, prefix):
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(lambda i: e.cli("run", "-d", "--network", "none", "--name", f"{prefix}{i}", "busybox", "sleep", "100000"),
                      range(count)))


def remove_many(e, prefix, parallel):
    names = [n for n in e.cli("ps", "-a", "--format", "{{.Names}}").stdout.decode().split() if n.startswith(prefix)]
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(lambda n: e.cli("rm", "-f", n), names))
    return len(names)


def burst(e):
    """50 run -d, 10 at a time, until all run; then their removal, 10 at a time: two measures."""
    t0 = time.monotonic()
    run_many(e, 50, 10, "burst")
    started = time.monotonic() - t0
    running = e.cli("ps", "--filter", "name=burst", "--format", "{{.State}}").stdout.decode().split()
    assert running.count("running") == 50, running
    t0 = time.monotonic()
    removed = remove_many(e, "burst", 10)
    gone = time.monotonic() - t0
    assert removed == 50 and not e.cli("ps", "-aq", "--filter", "name=burst").stdout.strip()
    return {"burst: 50 run -d, 10 at a time": started, "burst: rm -f 50, 10 at a time": gone}


def list_latency(e):
    c = UnixHTTP(e.sock)
    t0 = time.monotonic()
    status, body = e.api("GET", "/containers/json?all=1", None, c)
    elapsed = time.monotonic() - t0
    c.close()
    assert status == 200 and len([x for x in body if x["Names"][0].startswith("/many")]) == 100, (status, len(body))
    return elapsed


# ---- the run ----

WORKLOADS = [
    # name, unit, lower is better, samples, function
    ("run --rm true", "ms", True, 15, run_latency),
    ("run --rm true, default bridge network", "ms", True, 15, run_latency_bridge),
    ("API create+start+wait+rm", "ms", True, 15, api_lifecycle),
    ("exec echo", "ms", True, 20, exec_latency),
    ("attach stdout 512 MiB", "MiB/s", False, 3, attach_stdout),
    ("exec stdout 512 MiB", "MiB/s", False, 3, exec_stdout),
    ("stdin 100 MiB (md5 checked)", "MiB/s", False, 3, stdin_throughput),
    ("burst", "s", True, 3, burst),
    ("cp 256 MiB in and out", "MiB/s", False, 5, copy_in_out),
    ("pull ~200 MiB, 5 layers, local registry", "s", True, 5, pull),
    ("build", "s", True, 5, build),
]
# measures of workloads that give more than one
UNITS = {"burst: 50 run -d, 10 at a time": ("s", True), "burst: rm -f 50, 10 at a time": ("s", True),
         "GET /containers/json, 100 present": ("ms", True), "cold start to _ping": ("ms", True),
         "cold start to _ping, socket-activated": ("ms", True),
         "docker ps on an idle socket (socket-activated)": ("ms", True),
         "cp 256 MiB into a container": ("MiB/s", False), "cp 256 MiB out of a container": ("MiB/s", False),
         "build, 5 steps, no cache": ("s", True), "build, 5 steps, all cached": ("s", True)}


def interleaved(engs, name, samples, fn, results, scale):
    """A, B, C, A, B, C ...: an engine whose result is wrong gets no further samples of this workload."""
    failed = set()
    for i in range(samples):
        for e in engs:
            if e.name in failed:
                continue
            try:
                out = fn(e)
            except Exception as ex:  # noqa: BLE001 - reported, and the run goes on with the others
                failed.add(e.name)
                results.append({"workload": name, "engine": e.name, "round": i, "value": None, "error": str(ex)[:300]})
                print(f"  {name:34s} {e.name:8s} #{i + 1}: FAILED {ex}", flush=True)
                continue
            for measure, v in (out.items() if isinstance(out, dict) else [(name, out)]):
                results.append({"workload": measure, "engine": e.name, "round": i, "value": v * scale})
                print(f"  {measure:34s} {e.name:8s} #{i + 1}: {v * scale:.2f}", flush=True)


def tree_rss(pids):
    return sum(rss_kib(p) for p in pids) / 1024


def interrupted(signum, frame):
    """SIGTERM (a time limit, kill) ends the run as Ctrl-C does: through the cleanup."""
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, interrupted)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="berth,podman,dockerd", help="comma-separated subset")
    ap.add_argument("--quick", action="store_true", help="a third of the samples (a smoke run)")
    ap.add_argument("--only", default="", help="comma-separated workload name prefixes")
    args = ap.parse_args()

    chosen = [e for e in engines.all_engines() if e.name in args.engines.split(",")]
    stopped_early = False
    os.makedirs(engines.WORK, exist_ok=True)
    results, memory = [], []
    image = os.path.join(engines.WORK, "busybox.tar")
    busybox_archive(image)
    started = datetime.datetime.now(datetime.timezone.utc)
    host_network = engines.HostNetwork.now()
    try:
        for e in chosen:
            e.start()
            e.wait_ping()
            e.clean()
            e.cli("load", "-i", image)
        time.sleep(3)
        for e in chosen:
            memory.append({"engine": e.name, "what": "daemon RSS idle (MiB)", "value": tree_rss(e.daemon_pids())})
            if hasattr(e, "live_heap_mib"):
                memory.append({"engine": e.name, "what": "Berth live heap after full GC, idle (MiB)", "value": e.live_heap_mib()})
        for e in chosen:
            e.cli("run", "-d", "--name", "bench-idle", "--network", "none", "busybox", "sleep", "100000")
        for name, unit, _, samples, fn in WORKLOADS:
            if args.only and not any(name.startswith(p) for p in args.only.split(",")):
                continue
            print(name, flush=True)
            interleaved(chosen, name, max(1, samples // 3) if args.quick else samples, fn, results, 1000 if unit == "ms" else 1)
        for e in chosen:
            e.cli("rm", "-f", "bench-idle")

        # 100 running containers in each engine at once: list latency, memory with them, and after
        print("100 containers each", flush=True)
        for e in chosen:
            run_many(e, 100, 10, "many")
        time.sleep(2)
        for e in chosen:
            mon = [rss_kib(p) for p in e.monitor_pids()]
            memory.append({"engine": e.name, "what": "daemon RSS, 100 running (MiB)", "value": tree_rss(e.daemon_pids())})
            memory.append({"engine": e.name, "what": "monitor RSS per container (MiB)",
                           "value": statistics.median(mon) / 1024 if mon else 0})
        interleaved(chosen, "GET /containers/json, 100 present", 7 if args.quick else 20, list_latency, results, 1000)
        for e in chosen:
            assert remove_many(e, "many", 10) == 100
        time.sleep(3)
        for e in chosen:
            memory.append({"engine": e.name, "what": "daemon RSS after removing them (MiB)", "value": tree_rss(e.daemon_pids())})
            if hasattr(e, "live_heap_mib"):
                memory.append({"engine": e.name, "what": "Berth live heap after full GC, after removal (MiB)",
                               "value": e.live_heap_mib()})

        # cold starts: a fresh process each time, on the data root that holds the image
        print("cold start", flush=True)
        for i in range(2 if args.quick else 5):
            for activated in (False, True):
                for e in chosen:
                    e.stop()
                    t0 = time.monotonic()
                    e.start(activated)
                    if activated:
                        while not os.path.exists(e.sock):
                            time.sleep(0.001)
                        t0 = time.monotonic()
                    e.wait_ping()
                    v = (time.monotonic() - t0) * 1000
                    name = "cold start to _ping" + (", socket-activated" if activated else "")
                    results.append({"workload": name, "engine": e.name, "round": i, "value": v})
                    print(f"  {name:34s} {e.name:8s} #{i + 1}: {v:.1f}", flush=True)
            # what a user waits for: the CLI's first command on a socket whose daemon is not running yet
            for e in chosen:
                e.stop()
                e.start(True)
                while not os.path.exists(e.sock):
                    time.sleep(0.001)
                t0 = time.monotonic()
                out = e.cli("ps", "-a", "-q").stdout
                v = (time.monotonic() - t0) * 1000
                assert out.strip() == b"", f"{e.name}: docker ps listed {out!r}"
                name = "docker ps on an idle socket (socket-activated)"
                results.append({"workload": name, "engine": e.name, "round": i, "value": v})
                print(f"  {name:34s} {e.name:8s} #{i + 1}: {v:.1f}", flush=True)
    except KeyboardInterrupt:
        print("interrupted: cleaning up", file=sys.stderr, flush=True)
        stopped_early = True
    finally:
        # a second Ctrl-C or SIGTERM (a time limit's) must not cut the cleanup short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for e in chosen:  # cleaned up and stopped, then what was measured is written, also after a failure
            try:
                if e.proc is not None and e.proc.poll() is None:
                    e.clean()
            except Exception as ex:  # noqa: BLE001 - the cleanup goes on for the others
                print(f"cleanup {e.name}: {ex}", file=sys.stderr)
            e.stop()
            e.sweep()
        if REGISTRY is not None:
            REGISTRY.close()
        host_network.restore()    # what dockerd and podman leave of their bridges and rules goes
        units = {w[0]: (w[1], w[2]) for w in WORKLOADS} | UNITS
        write_results(results, memory, units, [e.name for e in chosen], started)
    if stopped_early:
        sys.exit(130)


def summarise(results, memory, units, names):
    rows = []
    for workload in dict.fromkeys(r["workload"] for r in results):
        unit, lower = units[workload]
        row = {"workload": workload, "unit": unit, "lower_is_better": lower}
        for n in names:
            vals = [r["value"] for r in results if r["workload"] == workload and r["engine"] == n and r["value"] is not None]
            if any(r.get("error") for r in results if r["workload"] == workload and r["engine"] == n):
                row[n] = {"failed": next(r["error"] for r in results if r["workload"] == workload and r["engine"] == n and r.get("error"))}
            elif vals:
                row[n] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}
        rows.append(row)
    for what in dict.fromkeys(m["what"] for m in memory):
        row = {"workload": what, "unit": "MiB", "lower_is_better": True}
        for n in names:
            vals = [m["value"] for m in memory if m["what"] == what and m["engine"] == n]
            if vals:
                row[n] = {"median": vals[0], "min": vals[0], "max": vals[0], "n": 1}
        rows.append(row)
    return rows


def fmt(v):
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def table(rows, names):
    peers = [n for n in names if n != "berth"]
    head = ["workload", "unit"] + [f"{n} median (min-max)" for n in names] + [f"berth/{p}" for p in peers if "berth" in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["workload"], r["unit"] + (" ↓" if r["lower_is_better"] else " ↑")]
        for n in names:
            s = r.get(n)
            if s and "failed" in s:
                cells.append("FAILED")
                continue
            cells.append(f"{fmt(s['median'])} ({fmt(s['min'])}-{fmt(s['max'])})" if s and s["n"] > 1 else fmt(s["median"]) if s else "-")
        if "berth" in names:
            for p in peers:
                b, o = r.get("berth"), r.get(p)
                ok = b and o and "median" in b and "median" in o and o["median"]
                cells.append(f"{b['median'] / o['median']:.2f}" if ok else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def svg_chart(rows, names):
    """Grouped bars per workload, each engine's median relative to the best of the three (1.0 = best)."""
    colours = {"berth": "#2b6cb0", "podman": "#892ca0", "dockerd": "#1d9bd7"}
    bar, gap, label_w, width = 14, 10, 300, 820
    height = 40 + len(rows) * (len(names) * bar + gap) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="10" y="18" font-size="13">Berth vs podman vs dockerd: each median against the best of the three '
           f'(longer = better)</text>']
    y = 36
    plot_w = width - label_w - 90
    for r in rows:
        meds = {n: r[n]["median"] for n in names if n in r and r[n].get("median", 0) > 0}
        if not meds:
            continue
        best = min(meds.values()) if r["lower_is_better"] else max(meds.values())
        out.append(f'<text x="10" y="{y + len(names) * bar / 2 + 4}">{r["workload"]} ({r["unit"]})</text>')
        for n in names:
            if n not in meds:
                continue
            score = best / meds[n] if r["lower_is_better"] else meds[n] / best
            w = max(1, score * plot_w)
            out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar - 2}" fill="{colours.get(n, "#888")}"/>')
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar - 4}">{n} {fmt(meds[n])}</text>')
            y += bar
        y += gap
    out.append("</svg>")
    return "\n".join(out)


def write_results(results, memory, units, names, started):
    rows = summarise(results, memory, units, names)
    out_dir = os.path.join(engines.BENCH, "results")
    os.makedirs(out_dir, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    machine = {"date": started.isoformat(timespec="seconds"), "kernel": platform.release(), "cpus": os.cpu_count(),
               "host": socket.gethostname(), "versions": versions()}
    with open(os.path.join(out_dir, f"{stamp}.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "engine", "round", "value"])
        for r in results:
            w.writerow([r["workload"], r["engine"], r["round"], "FAILED" if r["value"] is None else f"{r['value']:.4f}"])
        for m in memory:
            w.writerow([m["what"], m["engine"], 0, f"{m['value']:.2f}"])
    with open(os.path.join(out_dir, f"{stamp}.json"), "w") as f:
        json.dump({"machine": machine, "summary": rows}, f, indent=1)
    with open(os.path.join(out_dir, f"{stamp}.svg"), "w") as f:
        f.write(svg_chart(rows, names))
    md = table(rows, names)
    with open(os.path.join(out_dir, f"{stamp}.md"), "w") as f:
        f.write(f"Run of {machine['date']} on {machine['cpus']} CPUs, kernel {machine['kernel']}; {machine['versions']}\n\n{md}\n")
    print("\n" + md + f"\n\nwritten: bench/results/{stamp}.{{csv,json,svg,md}}")


def versions():
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    return {"podman": first_line(["podman", "--version"]), "dockerd": first_line(["dockerd", "--version"]),
            "runc": first_line(["runc", "--version"]), "conmon": first_line(["conmon", "--version"]),
            "docker CLI": first_line([engines.DOCKER_CLI, "--version"]),
            "berth": subprocess.run(["git", "-C", engines.REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()}


if __name__ == "__main__":
    main()
