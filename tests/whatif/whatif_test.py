#!/usr/bin/python3
"""podwall what-if and suggest on real CNI pods, through podwalld.

    whatif_test.py PODWALL PODWALLD bridge|ptp

podwalld (flow log to a file too) with the e2e suite's nine pods and no
policy. A recorded matrix: x/b, x/c and y/a connect to x/a:80, x/a to
y/b:80, y/c to x/b:80 (TCP).
  - what-if with a proposal that lets only x/b into x/a reports exactly
    x/c -> x/a and y/a -> x/a as broken, under that policy, exit 1; the
    same offline from the flow-log file and the manifests; --delete of a
    policy that is in force reports what it allowed coming back;
  - suggest -n x writes policies that what-if finds break nothing
    recorded; applied, the recorded connections still work and ones the
    log never saw (x/b -> x/c, y/b -> x/a, x/a -> z/a) are denied.
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "daemon"))
import run_e2e as e2e  # noqa: E402
import daemon_test as dt  # noqa: E402

failures = []

ONLY_B = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-only-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}]
    ports: [{protocol: TCP, port: 80}]
"""

RECORDED = [("x/b", "x/a"), ("x/c", "x/a"), ("y/a", "x/a"), ("x/a", "y/b"),
            ("y/c", "x/b")]
UNRECORDED = [("x/b", "x/c"), ("y/b", "x/a"), ("x/a", "z/a")]


def main():
    podwall, podwalld, topology = sys.argv[1:4]

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + f"[{topology}] " + what, flush=True)
        if not cond:
            failures.append(what)

    cluster = e2e.Cluster(topology, f"pww{os.getpid() % 100000}{topology[0]}")
    daemon = None
    try:
        cluster.setup()
        flow_log = os.path.join(cluster.work, "flows.jsonl")
        daemon = dt.Daemon(podwalld, cluster, ["--flow-log", flow_log])
        daemon.write("cluster.yaml", e2e.cluster_manifests(cluster, {}, {}, {}))
        daemon.start()

        def cli(*args, stdin=None):
            return subprocess.run(e2e.in_ns(cluster.node, podwall, *args), input=stdin,
                                  capture_output=True, text=True, timeout=60)

        def proposal(name, text):
            path = os.path.join(cluster.work, name)
            with open(path, "w") as f:
                f.write(text)
            return path

        dt.flush_conntrack(cluster)
        for src, dst in RECORDED:
            check(dt.reach(cluster, src, dst), f"{src} -> {dst}:80 works before")
        # The closing records reach the ring and the file.
        deadline = time.time() + 10
        while time.time() < deadline:
            r = cli("flows", "--socket", daemon.socket, "-o", "json")
            recs = [json.loads(line) for line in r.stdout.splitlines() if line]
            pairs = {(f"{x['src'].get('namespace')}/{x['src'].get('pod')}",
                      f"{x['dst'].get('namespace')}/{x['dst'].get('pod')}") for x in recs}
            if all(p in pairs for p in RECORDED):
                break
            time.sleep(0.5)
        check(all(p in pairs for p in RECORDED), f"the flow log has the matrix: {sorted(pairs)}")

        only_b = proposal("only-b.yaml", ONLY_B)
        r = cli("what-if", "--socket", daemon.socket, "-f", only_b, "-o", "json")
        out = json.loads(r.stdout or "{}")
        broken = sorted(b["connection"] for b in out.get("breaks", []))
        check(r.returncode == 1 and broken == ["x/c -> x/a 80/TCP", "y/a -> x/a 80/TCP"]
              and all(b["policy"] == "NetworkPolicy x/a-only-b" for b in out["breaks"])
              and not out.get("allows"),
              f"what-if: exactly x/c and y/a to x/a break, under x/a-only-b, exit 1 "
              f"({r.returncode}, {broken})")
        table = cli("what-if", "--socket", daemon.socket, "-f", only_b).stdout
        check("WOULD BREAK" in table and "NetworkPolicy x/a-only-b: 2 connection(s)" in table,
              "the table groups them under the policy")

        # Offline: the flow-log file and the manifests, no daemon.
        r = cli("what-if", "--socket", "/nonexistent", "--flow-log", flow_log,
                "--cluster", daemon.dir, "-f", only_b, "-o", "json")
        offline = sorted(b["connection"] for b in json.loads(r.stdout or "{}").get("breaks", []))
        check(r.returncode == 1 and offline == broken,
              f"offline from the flow-log file: the same answer ({offline})")

        # In force, then proposed for deletion: what it denies comes back.
        daemon.write("only-b.yaml", ONLY_B)
        daemon.wait(lambda s: s["counts"]["policies"] == 1 and s["synced"], "1 policy")
        r = cli("what-if", "--socket", daemon.socket, "--delete", "-f", only_b, "-o", "json")
        back = sorted(b["connection"] for b in json.loads(r.stdout or "{}").get("allows", []))
        check(r.returncode == 0 and back == broken,
              f"--delete: the connections it denies would be allowed again, exit 0 ({back})")
        os.unlink(os.path.join(daemon.dir, "only-b.yaml"))
        daemon.wait(lambda s: s["counts"]["policies"] == 0 and s["synced"], "0 policies")

        # Suggest for x, check it with what-if, apply it.
        r = cli("suggest", "--socket", daemon.socket, "-n", "x")
        suggested = r.stdout
        check(r.returncode == 0 and suggested.count("kind: NetworkPolicy") == 3,
              f"suggest -n x: three policies, one per pod of x (exit {r.returncode})"
              f"\n{suggested}{r.stderr}")
        path = proposal("suggested.yaml", suggested)
        r = cli("what-if", "--socket", daemon.socket, "-f", path, "-o", "json")
        lost = json.loads(r.stdout or "{}").get("breaks", [])
        check(r.returncode == 0 and not lost,
              f"what-if on the suggestion: no recorded connection lost ({lost})")
        daemon.write("suggested.yaml", suggested)
        daemon.wait(lambda s: s["counts"]["policies"] == 3 and s["synced"], "3 policies")
        dt.flush_conntrack(cluster)
        for src, dst in RECORDED:
            check(dt.reach(cluster, src, dst),
                  f"with the suggestion: recorded {src} -> {dst} still works")
        for src, dst in UNRECORDED:
            check(not dt.reach(cluster, src, dst),
                  f"with the suggestion: unrecorded {src} -> {dst} is denied")
    except Exception as ex:
        failures.append(f"error: {ex!r}")
        print(f"FAIL error: {ex!r}", flush=True)
    finally:
        code = dt.tear_down(cluster, podwall, daemon, failures)
    return code


if __name__ == "__main__":
    sys.exit(main())
