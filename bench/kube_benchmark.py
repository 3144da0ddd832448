#!/usr/bin/python3
"""podwalld following the test API server with the benchmark cluster.

    sudo bench/kube_benchmark.py PODWALLD WRITE_CLUSTER
                                 [--shape PODS NAMESPACES POLICIES LOCAL]

The test API server (tests/kube/fake_apiserver.py) serves the shared
benchmark cluster (10,000 pods, 500 namespaces, 2,000 policies, 110 pods on
node-0) over HTTPS with bearer-token auth, in a private network namespace.
Figures: start-up to ready (three paginated lists, compile, first batch),
one watch event (a pod relabelled or added through the API) to the daemon's
"synced" log line, p50/p99, and resident memory. Issue 8 targets: start-up
<= 1 s, event p99 <= 50 ms, RSS <= 150 MB. Prints one JSON line.
--shape serves another generated cluster instead (issue 18's 100,000
pods: --shape 100000 5000 20000 250); the keys then end in _<pods/1000>k.
"""

import argparse
import glob
import json
import os
import random
import re
import statistics
import subprocess
import sys
import queue
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NS = f"pwkb{os.getpid() % 100000}"


def in_ns(*cmd):
    return ["ip", "netns", "exec", NS, *cmd]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("podwalld")
    ap.add_argument("write_cluster")
    ap.add_argument("--shape", nargs=4, metavar=("PODS", "NAMESPACES", "POLICIES", "LOCAL"))
    args = ap.parse_args()
    podwalld, write_cluster = args.podwalld, args.write_cluster
    suffix = f"_{int(args.shape[0]) // 1000}k" if args.shape else ""
    work = tempfile.mkdtemp(prefix="podwall-kube-bench-")
    subprocess.run(["ip", "netns", "add", NS], check=True)
    api = daemon = None
    try:
        subprocess.run(in_ns("ip", "link", "set", "lo", "up"), check=True)
        subprocess.run([write_cluster, f"{work}/cluster", *(args.shape or [])], check=True)
        objects = []
        for path in sorted(glob.glob(f"{work}/cluster/*.json")):
            with open(path) as f:
                objects += json.load(f)["items"]
        api = subprocess.Popen(in_ns("/usr/bin/python3",
                                     f"{ROOT}/tests/kube/fake_apiserver.py", f"{work}/api"),
                               stdout=subprocess.PIPE, text=True)
        port = int(api.stdout.readline().split()[1])
        post = (
            "import json, ssl, sys, urllib.request\n"
            f"ctx = ssl.create_default_context(cafile='{work}/api/ca.crt')\n"
            "def post(path, body):\n"
            f"    r = urllib.request.Request('https://127.0.0.1:{port}' + path, "
            "data=json.dumps(body).encode(), method='POST', headers={"
            "'Authorization': 'Bearer podwall-test-token'})\n"
            "    urllib.request.urlopen(r, context=ctx).read()\n")
        subprocess.run(in_ns("/usr/bin/python3", "-c", post + "post('/test/bulk', "
                             "json.load(sys.stdin))"), input=json.dumps(objects), text=True,
                       check=True)
        t0 = time.monotonic()
        daemon = subprocess.Popen(
            in_ns(podwalld, "--node-name", "node-0", "--kubeconfig", f"{work}/api/kubeconfig",
                  "--socket", f"{work}/podwall.sock", "--metrics-address", "", "--no-flow-capture"),
            stderr=subprocess.PIPE, text=True)
        lines = queue.Queue()

        def read_log():
            for line in daemon.stderr:
                lines.put((time.monotonic(), line))
        threading.Thread(target=read_log, daemon=True).start()

        def wait_for(needle, timeout):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    t, line = lines.get(timeout=0.5)
                except queue.Empty:
                    continue
                if needle in line:
                    return t
            return None
        if wait_for("msg=ready", 600) is None:
            raise RuntimeError("podwalld did not become ready")
        startup_ms = (time.monotonic() - t0) * 1000
        time.sleep(1)  # Let start-up syncs (interfaces) settle.
        while not lines.empty():
            lines.get()
        # Events: the API changes one object; time until the daemon's sync.
        local = [o for o in objects if o.get("kind") == "Pod"
                 and o["spec"].get("nodeName") == "node-0"]
        # A helper in the namespace keeps one process for all posts.
        poster = subprocess.Popen(in_ns("/usr/bin/python3", "-u", "-c", post + (
            "for line in sys.stdin:\n"
            "    post('/test/apply', json.loads(line))\n"
            "    print('done', flush=True)\n")), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        latencies = []
        rng = random.Random(1)
        status = json.loads(subprocess.run(
            in_ns("/usr/bin/python3", "-c",
                  "import socket,sys; s=socket.socket(socket.AF_UNIX); "
                  f"s.connect('{work}/podwall.sock'); "
                  "s.sendall(b'GET /v1/status HTTP/1.1\\r\\n\\r\\n'); d=b''\n"
                  "while True:\n c=s.recv(65536)\n if not c: break\n d+=c\n"
                  "print(d.split(b'\\r\\n\\r\\n',1)[1].decode())"),
            capture_output=True, text=True).stdout)
        generation = status["generation"]
        for i in range(60):
            pod = rng.choice(local)  # Kept up to date: every event is a change.
            labels = pod["metadata"].setdefault("labels", {})
            labels["tier"] = "frontend" if labels.get("tier") != "frontend" else "backend"
            t = time.monotonic()
            poster.stdin.write(json.dumps(pod) + "\n")
            poster.stdin.flush()
            generation += 1
            done = wait_for(f"msg=synced generation={generation} ", 10)
            if done is None:
                raise RuntimeError(f"no sync for event {i}")
            latencies.append((done - t) * 1000)
            poster.stdout.readline()
            time.sleep(0.02)
        with open(f"/proc/{daemon.pid}/status") as f:
            hwm = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024
        poster.stdin.close()
        poster.wait()
    finally:
        for p in (daemon, api):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["ip", "netns", "del", NS], check=False)
        subprocess.run(["rm", "-rf", work])
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)]
    print(f"cluster from the test API server: {len(objects)} objects")
    print(f"start-up to ready (3 paginated lists over HTTPS, compile, first batch): "
          f"{startup_ms:.0f} ms (target 1000)")
    print(f"watch event to kernel (pod relabelled through the API, includes the "
          f"test server's own latency): p50 {p50:.1f} ms, p99 {p99:.1f} ms (target 50)")
    print(f"peak resident memory: {hwm:.1f} MB (target 150)")
    print(json.dumps({f"kube_startup_ms{suffix}": round(startup_ms),
                      f"kube_event_p50_ms{suffix}": round(p50, 2),
                      f"kube_event_p99_ms{suffix}": round(p99, 2),
                      f"kube_daemon_rss_mb{suffix}": round(hwm, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
