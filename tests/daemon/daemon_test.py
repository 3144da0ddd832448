#!/usr/bin/python3
"""podwalld as a real agent, on pods made by the real CNI plugin.

    daemon_test.py PODWALL PODWALLD bridge|ptp

In a throwaway node namespace with the e2e suite's nine pods
(tests/e2e/run_e2e.py), checks that:
  - manifest changes on disk are enforced, and an invalid file keeps the last
    good content in force (and shows in status and metrics);
  - SIGTERM leaves the rules in the kernel (fail closed);
  - a restart and a kill -9 followed by a restart, under continuous probing,
    never let a denied pair connect nor fail an allowed pair, and an open
    allowed connection keeps working across both;
  - drift made with nft(8) is repaired by the periodic verification;
  - status and metrics report the truth (counts against the kernel);
  - --audit drops nothing and counts would-be denials.
Everything it made is removed at exit.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import run_e2e as e2e  # noqa: E402

POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-from-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}]
"""

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class Daemon:
    def __init__(self, podwalld, cluster, extra=()):
        self.podwalld = podwalld
        self.cluster = cluster
        self.dir = os.path.join(cluster.work, "watched")
        os.makedirs(self.dir, exist_ok=True)
        self.socket = os.path.join(cluster.work, "podwall.sock")
        self.log_path = os.path.join(cluster.work, "podwalld.log")
        self.extra = list(extra)
        self.proc = None
        self.runner = e2e.DaemonRunner(None, cluster, False)
        self.runner.socket = self.socket

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            e2e.in_ns(self.cluster.node, self.podwalld, "--node-name", "node-1",
                      "--manifests", self.dir, "--socket", self.socket,
                      "--metrics-address", "127.0.0.1:0", *self.extra),
            stdout=log, stderr=log)
        self.runner.proc = self.proc
        return self.runner.wait(lambda s: s["ready"] and s["synced"], "ready")

    def status(self):
        return self.runner.status()

    def wait(self, done, what, timeout=10):
        return self.runner.wait(done, what, timeout)

    def metrics(self):
        with open(self.log_path) as f:
            port = re.findall(r"metrics=127\.0\.0\.1:(\d+)", f.read())[-1]
        out = {}
        for path in ("/metrics", "/healthz", "/readyz"):
            r = e2e.run(e2e.in_ns(
                self.cluster.node, "/usr/bin/python3", "-c",
                "import sys, urllib.request, urllib.error\n"
                "try:\n r = urllib.request.urlopen(sys.argv[1], timeout=5)\n"
                " print(r.status); print(r.read().decode())\n"
                "except urllib.error.HTTPError as e:\n print(e.code)",
                f"http://127.0.0.1:{port}{path}"), check=False)
            code, _, body = r.stdout.partition("\n")
            out[path] = (int(code or 0), body)
        return out

    def write(self, name, text):
        tmp = os.path.join(self.dir, "." + name + ".new")
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, os.path.join(self.dir, name))

    def signal(self, sig):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=10)


def tear_down(cluster, podwall, daemon, failures):
    """The end of a test on real pods: kills `daemon` if it still runs,
    prints its log's end when something failed, removes podwall's tables
    and the cluster, and says how many checks failed. Returns the exit
    code."""
    if daemon and daemon.proc and daemon.proc.poll() is None:
        daemon.proc.kill()
        daemon.proc.wait()
    log = os.path.join(cluster.work, "podwalld.log")
    if failures and os.path.exists(log):
        with open(log) as f:
            print("--- podwalld log ---\n" + f.read()[-4000:])
    e2e.run(e2e.in_ns(cluster.node, podwall, "uninstall"), check=False)
    cluster.cleanup()
    print(f"\n{len(failures)} failure(s)")
    return 1 if failures else 0


def reach(cluster, src, dst, port=80, timeout=0.6):
    return cluster.probe_from(src, [{"id": "p", "proto": "tcp", "host": cluster.ips[dst][0],
                                     "port": port, "timeout": timeout}])["p"]


def flush_conntrack(cluster):
    e2e.run(e2e.in_ns(cluster.node, "conntrack", "-F"), check=False)


def start_background(cluster, src, args):
    return subprocess.Popen(
        e2e.in_ns(cluster.pod_ns(src), "/usr/bin/python3", e2e.PROBE, *args),
        stdout=subprocess.PIPE, text=True)


def nft(cluster, *args):
    return e2e.run(e2e.in_ns(cluster.node, "nft", *args), check=False).stdout


def main():
    podwall, podwalld, topology = sys.argv[1:4]
    cluster = e2e.Cluster(topology, f"pwd{os.getpid() % 100000}{topology[0]}")
    daemon = None
    try:
        cluster.setup()
        daemon = Daemon(podwalld, cluster)
        daemon.write("cluster.yaml", e2e.cluster_manifests(cluster, {}, {}, {}))
        daemon.write("policy.yaml", POLICY)
        s = daemon.start()
        flush_conntrack(cluster)
        check(reach(cluster, "x/b", "x/a") and not reach(cluster, "x/c", "x/a"),
              f"[{topology}] policy from the directory enforced at start")

        # Status tells the truth: counts equal what the kernel lists (the
        # policy's chains; the guards' chains after tc are counted below).
        listing = nft(cluster, "list", "table", "inet", "podwall")
        kernel_chains = len(re.findall(r"^\tchain (?!guard_|prerouting )", listing, re.M))
        check(s["counts"]["chains"] == kernel_chains and s["counts"]["local_endpoints"] == 9,
              f"[{topology}] status counts match the kernel "
              f"({s['counts']['chains']} chains, kernel {kernel_chains})")

        # Every pod's veth found (routes, or neighbour + FDB on a bridge) and
        # guarded against spoofing.
        s = daemon.wait(lambda s: s["counts"]["guarded_interfaces"] == 9, "guarding", 5)
        guards = len(re.findall(r"^\tchain guard_", nft(cluster, "list", "table", "netdev",
                                                        "podwall"), re.M))
        check(guards == 9, f"[{topology}] anti-spoofing guard on each pod's veth ({guards})")
        after_tc = [len(re.findall(r"^\tchain guard_", nft(cluster, "list", "table", family,
                                                            "podwall"), re.M))
                    for family in ("bridge", "inet")]
        check(after_tc == [9, 9], f"[{topology}] and after tc, in tables bridge and inet "
                                  f"({after_tc})")

        # A change on disk is enforced.
        gen = s["generation"]
        daemon.write("policy.yaml", POLICY.replace("pod: b}}}]", "pod: c}}}]"))
        daemon.wait(lambda s: s["generation"] > gen and s["synced"], "synced")
        flush_conntrack(cluster)
        check(reach(cluster, "x/c", "x/a") and not reach(cluster, "x/b", "x/a"),
              f"[{topology}] edited policy enforced")

        # An invalid file: reported, the last good content stays.
        daemon.write("policy.yaml", POLICY.replace("namespace: x", "namespace: X_bad"))
        s = daemon.wait(lambda s: not s["sources"][0]["ok"], "reporting the bad file")
        check("policy.yaml" in s["sources"][0]["errors"][0] and "metadata.namespace"
              in s["sources"][0]["errors"][0], f"[{topology}] invalid file named in status")
        flush_conntrack(cluster)
        check(reach(cluster, "x/c", "x/a") and not reach(cluster, "x/b", "x/a"),
              f"[{topology}] invalid file: last good policy still enforced")
        m = daemon.metrics()
        check(re.search(r'podwall_invalid_inputs_total\{source="manifests"\} [1-9]',
                        m["/metrics"][1]) is not None,
              f"[{topology}] invalid input counted in metrics")
        check(m["/healthz"][0] == 200 and m["/readyz"][0] == 200,
              f"[{topology}] /healthz and /readyz answer 200")
        gens = re.search(r"^podwall_generation (\d+)", m["/metrics"][1], re.M)
        check(gens is not None and int(gens.group(1)) == daemon.status()["generation"],
              f"[{topology}] metrics generation equals status generation")
        daemon.write("policy.yaml", POLICY)  # Fixed again: from b.
        daemon.wait(lambda s: s["sources"][0]["ok"] and s["synced"], "valid again")

        # Restart and kill -9 under continuous probing.
        flush_conntrack(cluster)
        allowed = start_background(cluster, "x/b", ["loop", "tcp", cluster.ips["x/a"][0], "80", "6"])
        denied = start_background(cluster, "x/c", ["loop", "tcp", cluster.ips["x/a"][0], "80", "6"])
        held = start_background(cluster, "x/b", ["hold", cluster.ips["x/a"][0], "81", "6"])
        time.sleep(0.5)
        daemon.signal(signal.SIGTERM)
        check("table inet podwall" in nft(cluster, "list", "tables"),
              f"[{topology}] SIGTERM leaves the table in the kernel")
        time.sleep(0.5)
        daemon.start()
        time.sleep(0.5)
        daemon.signal(signal.SIGKILL)
        time.sleep(0.5)
        daemon.start()
        a = json.loads(allowed.communicate(timeout=20)[0])
        d = json.loads(denied.communicate(timeout=20)[0])
        h = json.loads(held.communicate(timeout=20)[0])
        check(a["failed"] == 0 and a["ok"] > 20,
              f"[{topology}] allowed pair kept connecting through restart and kill -9: {a}")
        check(d["ok"] == 0 and d["failed"] > 3,
              f"[{topology}] denied pair never connected through restart and kill -9: {d}")
        check(not h["broken"] and h["exchanges"] > 30,
              f"[{topology}] an open allowed connection survived both: {h}")

        # Drift made behind podwall's back is repaired.
        daemon.signal(signal.SIGTERM)
        daemon.extra = ["--verify-interval", "1"]
        daemon.start()
        nft(cluster, "flush", "chain", "inet", "podwall", "in_x/a")
        flush_conntrack(cluster)
        check(reach(cluster, "x/c", "x/a"), f"[{topology}] (drift opened x/a)")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and "counter" not in nft(
                cluster, "list", "chain", "inet", "podwall", "in_x/a"):
            time.sleep(0.1)
        flush_conntrack(cluster)
        check(not reach(cluster, "x/c", "x/a") and reach(cluster, "x/b", "x/a"),
              f"[{topology}] drift repaired within the verify interval")
        check(re.search(r"podwall_drift_repairs_total [1-9]", daemon.metrics()["/metrics"][1])
              is not None, f"[{topology}] drift repair counted")

        # Audit: nothing dropped, would-be denials counted.
        daemon.signal(signal.SIGTERM)
        daemon.extra = ["--audit"]
        s = daemon.start()
        flush_conntrack(cluster)
        check(s["audit"] and reach(cluster, "x/c", "x/a"),
              f"[{topology}] --audit lets a would-be denial through")
        counted = re.search(r'counter packets (\d+) bytes \d+ return comment '
                            r'"audit: would deny ingress x/a"',
                            nft(cluster, "list", "chain", "inet", "podwall", "in_x/a"))
        check(counted is not None and int(counted.group(1)) > 0,
              f"[{topology}] --audit counts the would-be denial")
        # Denials are reported once their second is over (and the flush
        # runs every 250 ms): poll for up to 3 s.
        audits = []
        for _ in range(30):
            r = subprocess.run([sys.argv[1], "flows", "--socket", daemon.socket, "-o",
                                "json", "--verdict", "audit"], capture_output=True, text=True)
            audits = [json.loads(line) for line in r.stdout.splitlines() if line]
            if audits:
                break
            time.sleep(0.1)
        check(any(a["src"]["pod"] == "c" and a["dst"]["pod"] == "a" for a in audits),
              f"[{topology}] --audit reports the would-be denial as an audit flow")
        daemon.signal(signal.SIGTERM)
        daemon = None
    except Exception as ex:  # Report, then clean up.
        failures.append(f"error: {ex!r}")
        print(f"FAIL error: {ex!r}", flush=True)
    finally:
        code = tear_down(cluster, podwall, daemon, failures)
    return code


if __name__ == "__main__":
    sys.exit(main())
