#!/usr/bin/python3
"""podwall trace on real CNI pods, through podwalld.

    trace_test.py PODWALL PODWALLD bridge|ptp

The e2e suite's nine pods and one policy: x/a accepts TCP 80 from x/b only.
  - allowed (x/b -> x/a, --probe): the kernel's path ends allowed, the
    ingress decision names the policy's rule, and that rule's handle is
    the one whose counter the probe's packet moved; kernel and model agree;
  - denied (x/c -> x/a, --probe): dropped in x/a's ingress chain by its
    deny rule (whose counter moved); agree;
  - IPv6 and waiting for real traffic (no --probe) work too;
  - after a hand edit of the kernel (x/a's deny rule deleted behind
    podwall's back) the trace of x/c -> x/a says DISAGREE and exits 3;
  - nothing of the trace is left in the kernel after each run.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "daemon"))
import run_e2e as e2e  # noqa: E402
import daemon_test as dt  # noqa: E402

failures = []

POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-in, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}]
    ports: [{protocol: TCP, port: 80}]
"""


def counters(cluster, chain):
    """handle -> packets of the rules of `chain` in inet podwall."""
    out = e2e.run(e2e.in_ns(cluster.node, "nft", "-a", "list", "chain", "inet",
                            "podwall", chain), check=False).stdout
    got = {}
    for line in out.splitlines():
        m = re.search(r"counter packets (\d+) .*# handle (\d+)", line)
        if m:
            got[int(m.group(2))] = int(m.group(1))
    return got


def moved(before, after):
    return sorted(h for h, n in after.items() if n > before.get(h, 0))


def main():
    podwall, podwalld, topology = sys.argv[1:4]

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + f"[{topology}] " + what, flush=True)
        if not cond:
            failures.append(what)

    cluster = e2e.Cluster(topology, f"pwt{os.getpid() % 100000}{topology[0]}")
    daemon = None
    try:
        cluster.setup()
        daemon = dt.Daemon(podwalld, cluster)
        daemon.write("cluster.yaml", e2e.cluster_manifests(cluster, {}, {}, {}))
        daemon.write("policy.yaml", POLICY)
        daemon.start()

        def trace(*args, timeout=40):
            r = subprocess.run(e2e.in_ns(cluster.node, podwall, "trace", "--socket",
                                         daemon.socket, *args), capture_output=True,
                               text=True, timeout=timeout)
            return r

        def trace_json(*args):
            r = trace(*args, "-o", "json")
            try:
                return r.returncode, json.loads(r.stdout)
            except ValueError:
                return r.returncode, {"stdout": r.stdout, "stderr": r.stderr}

        def no_trace_left():
            text = "".join(e2e.run(e2e.in_ns(cluster.node, "nft", "list", "table", fam,
                                             "podwall"), check=False).stdout
                           for fam in ("inet", "netdev"))
            return "trace_arm" not in text

        dt.flush_conntrack(cluster)
        before = counters(cluster, "in_x/a")
        rc, t = trace_json("--from", "x/b", "--to", "x/a", "--port", "80", "--probe")
        after = counters(cluster, "in_x/a")
        ing = t.get("kernel", {}).get("ingress", {})
        check(rc == 0 and t.get("traced") and t.get("agree")
              and t["kernel"]["verdict"] == "allow",
              f"allowed x/b -> x/a: traced, kernel allows, agrees (exit {rc})")
        check(ing.get("origin") == "NetworkPolicy/x/a-in/ingress/0"
              and moved(before, after) == [ing.get("handle")],
              f"the ingress rule the trace names ({ing.get('handle')}, "
              f"{ing.get('origin')}) is the one whose counter moved "
              f"({moved(before, after)})")
        check(t.get("probe") == "connected", f"the probe connected ({t.get('probe')})")
        chains = [s["chain"] for s in t.get("steps", [])]
        check("forward" in chains and "in_x/a" in chains and
              any(c.startswith("guard_") for c in chains),
              f"the path crosses the guard, the forward chain and x/a's chain: {chains}")
        check(no_trace_left(), "no trace chain is left")

        dt.flush_conntrack(cluster)
        before = counters(cluster, "in_x/a")
        rc, t = trace_json("--from", "x/c", "--to", "x/a", "--port", "80", "--probe")
        after = counters(cluster, "in_x/a")
        k = t.get("kernel", {})
        check(rc == 0 and t.get("agree") and k.get("verdict") == "deny"
              and k.get("droppedIn") == "inet podwall in_x/a"
              and k.get("droppedBy") == "deny ingress x/a",
              f"denied x/c -> x/a: dropped in x/a's chain by its deny rule, agrees "
              f"(exit {rc}, {k})")
        traced = sorted(st["handle"] for st in t.get("steps", [])
                        if st["chain"] == "in_x/a" and "handle" in st)
        check(k.get("ingress", {}).get("handle") in moved(before, after)
              and moved(before, after) == [h for h in traced if h in after],
              f"the rules the trace names in x/a's chain ({traced}; the deny rule "
              f"{k.get('ingress', {}).get('handle')}) are those whose counters "
              f"moved ({moved(before, after)})")
        text = trace("--from", "x/c", "--to", "x/a", "--port", "80", "--probe").stdout
        check("kernel and model agree" in text and "DENY" in text,
              "the table says DENY and that kernel and model agree")

        rc, t = trace_json("--from", "x/b", "--to", "x/a", "--port", "80", "--probe",
                           "--family", "6")
        check(rc == 0 and t.get("agree") and t["model"]["family"] == 6
              and t["kernel"]["verdict"] == "allow", f"IPv6 traced too (exit {rc})")

        # Waiting for real traffic: a connection from x/b a second later.
        dt.flush_conntrack(cluster)
        result = {}

        def waiter():
            result["r"] = trace_json("--from", "x/b", "--to", "x/a", "--port", "80",
                                     "--wait", "8s")
        th = threading.Thread(target=waiter)
        th.start()
        time.sleep(1.5)
        dt.reach(cluster, "x/b", "x/a")
        th.join(30)
        rc, t = result.get("r", (None, {}))
        check(rc == 0 and t.get("traced") and "probe" not in t,
              f"without --probe, the trace waits for the pod's own connection (exit {rc})")
        rc, t = trace_json("--from", "x/b", "--to", "x/a", "--port", "80",
                           "--wait", "1s")
        check(rc == 1 and t.get("traced") is False,
              f"no traffic within --wait: says so, exit 1 ({rc})")

        # Behind podwall's back: x/a's deny rule goes; the kernel now lets
        # x/c in, the model does not.
        listing = e2e.run(e2e.in_ns(cluster.node, "nft", "-a", "list", "chain", "inet",
                                    "podwall", "in_x/a")).stdout
        handle = re.search(r'comment "deny ingress x/a" # handle (\d+)', listing)
        e2e.run(e2e.in_ns(cluster.node, "nft", "delete", "rule", "inet", "podwall",
                          "in_x/a", "handle", handle.group(1)))
        dt.flush_conntrack(cluster)
        r = trace("--from", "x/c", "--to", "x/a", "--port", "80", "--probe")
        check(r.returncode == 3 and "DISAGREE" in r.stdout,
              f"a hand-edited kernel: DISAGREE, exit 3 (exit {r.returncode})\n{r.stdout}")
        check(no_trace_left(), "no trace chain is left")
    except Exception as ex:
        failures.append(f"error: {ex!r}")
        print(f"FAIL error: {ex!r}", flush=True)
    finally:
        code = dt.tear_down(cluster, podwall, daemon, failures)
    return code


if __name__ == "__main__":
    sys.exit(main())
