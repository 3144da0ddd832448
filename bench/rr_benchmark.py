#!/usr/bin/python3
"""Per-packet cost: TCP request/response rate between two CNI pods.

    sudo bench/rr_benchmark.py PODWALL WRITE_CLUSTER [--runs N] [--seconds S]

Nine pods from the real CNI bridge plugin (tests/e2e); x/b runs `sockperf
ping-pong --tcp` against a sockperf server on x/a, under each ruleset in the
node namespace, A/B interleaved round after round so machine drift cancels:
  none          no ruleset at all (the physical limit);
  podwall-2000  podwall's ruleset for the benchmark cluster (10,000 pods,
                2,000 policies, 110 other pods on this node) plus x's
                policies: x/a accepts x/b on the sockperf port, x/b may
                reach x/a;
  podwall-20    the same with 20 policies in the cluster;
  iptables      the same policy (podwall-2000's compiled IR) expressed the
                way iptables-era enforcers do: linear per-pod dispatch
                (-s/-d per pod address), established accepted inside each
                pod's chain, one rule per peer address, loaded with
                iptables-restore.
Prints a table and one JSON line (medians, with min-max per ruleset).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import run_e2e as e2e  # noqa: E402

PORT = 7000
POLICIES = f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: x}}
spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: a-from-b, namespace: x}}
spec:
  podSelector: {{matchLabels: {{pod: a}}}}
  ingress:
  - from: [{{podSelector: {{matchLabels: {{pod: b}}}}}}]
    ports: [{{port: {PORT}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: b-to-a, namespace: x}}
spec:
  podSelector: {{matchLabels: {{pod: b}}}}
  policyTypes: [Egress]
  egress:
  - to: [{{podSelector: {{matchLabels: {{pod: a}}}}}}]
    ports: [{{port: {PORT}}}]
"""


def iptables_linear(ir):
    """The IR as iptables-restore input, the way iptables-era enforcers lay
    it out: per-packet linear dispatch over pod addresses."""
    pod_sets = {s["id"]: [a for a in s["addresses"] if ":" not in a]
                for s in ir.get("podSets", [])}
    cidr_sets = {s["id"]: [r for r in s["ranges"] if ":" not in r[0]]
                 for s in ir.get("cidrSets", [])}
    port_sets = {s["id"]: [t for t in s["tuples"] if ":" not in t[0]]
                 for s in ir.get("portSets", [])}
    rules = {r["id"]: r for r in ir["rules"]}
    out = ["*filter", ":PW-FWD - [0:0]"]
    body = []
    dispatch_out, dispatch_in = [], []
    for n, ep in enumerate(ir["endpoints"]):
        v4 = [a for a in ep["addresses"] if ":" not in a]
        for side, tag, dispatch, own, peer in (("egress", "O", dispatch_out, "-s", "-d"),
                                               ("ingress", "I", dispatch_in, "-d", "-s")):
            if not ep[side]["isolated"]:
                continue
            chain = f"PW-{tag}{n}"
            out.append(f":{chain} - [0:0]")
            for a in v4:
                dispatch.append(f"-A PW-FWD {own} {a} -j {chain}")
            body.append(f"-A {chain} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN")
            for binding in ep[side]["rules"]:
                rule = rules[binding["rule"]]
                ports = [] if rule.get("anyPort") else (
                    rule.get("ports", []) + binding.get("namedPorts", []))
                port_args = [""] if not ports else [
                    f"-p {p['protocol'].lower()} --dport {p['first']}:{p['last']}"
                    for p in ports]
                peers = [""] if rule.get("anyPeer") else (
                    [f"{peer} {a}" for s in rule.get("podSets", []) for a in pod_sets[s]] +
                    [f"-m iprange --{'src' if peer == '-s' else 'dst'}-range {r[0]}-{r[1]}"
                     for r in cidr_sets.get(rule.get("cidrSet", ""), [])])
                for pa in peers:
                    for pp in port_args:
                        body.append(f"-A {chain} {pa} {pp} -j RETURN".replace("  ", " "))
                for t in port_sets.get(rule.get("portSet", ""), []):
                    body.append(f"-A {chain} {peer} {t[0]} -p {t[1].lower()} "
                                f"--dport {t[2]} -j RETURN")
            body.append(f"-A {chain} -j DROP")
    out += dispatch_out + dispatch_in + body
    out += ["-A FORWARD -j PW-FWD", "COMMIT", ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("podwall")
    ap.add_argument("write_cluster")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3)
    args = ap.parse_args()
    podwall = os.path.abspath(args.podwall)
    cluster = e2e.Cluster("bridge", f"pwr{os.getpid() % 100000}")
    work = tempfile.mkdtemp(prefix="podwall-rr-")
    server = None
    rates = {k: [] for k in ("none", "podwall-2000", "podwall-20", "iptables")}
    counts = {}
    try:
        cluster.setup()
        node = cluster.node
        pods_yaml = e2e.cluster_manifests(cluster, {}, {}, {}).replace(
            "nodeName: node-1", "nodeName: node-0")
        dirs = {}
        for name, policies in (("podwall-2000", 2000), ("podwall-20", 20)):
            d = os.path.join(work, name)
            e2e.run([args.write_cluster, d, "10000", "500", str(policies), "110"])
            with open(os.path.join(d, "x.yaml"), "w") as f:
                f.write(pods_yaml + "---\n" + POLICIES)
            dirs[name] = d
        ir = json.loads(e2e.run(e2e.in_ns(node, podwall, "apply", "--dry-run", "--output",
                                          "ir", "--node-name", "node-0", "-f",
                                          dirs["podwall-2000"])).stdout)
        iptables_text = iptables_linear(ir)
        counts["iptables_rules"] = iptables_text.count("\n-A ")
        a, b = cluster.ips["x/a"][0], cluster.ips["x/b"][0]
        server = subprocess.Popen(e2e.in_ns(cluster.pod_ns("x/a"), "sockperf", "server",
                                            "--tcp", "-i", a, "-p", str(PORT)),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)

        def load(kind):
            e2e.run(e2e.in_ns(node, podwall, "uninstall"), check=False)
            e2e.run(e2e.in_ns(node, "iptables", "-F", "FORWARD"), check=False)
            e2e.run(e2e.in_ns(node, "iptables", "-F", "PW-FWD"), check=False)
            if kind.startswith("podwall"):
                e2e.run(e2e.in_ns(node, podwall, "apply", "--node-name", "node-0", "-f",
                                  dirs[kind]))
            elif kind == "iptables":
                e2e.run(e2e.in_ns(node, "iptables-restore"), input=iptables_text)
            e2e.run(e2e.in_ns(node, "conntrack", "-F"), check=False)

        def rr():
            out = e2e.run(e2e.in_ns(cluster.pod_ns("x/b"), "sockperf", "ping-pong", "--tcp",
                                    "-i", a, "-p", str(PORT), "-t", str(args.seconds)),
                          check=False)
            m = re.search(r"\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=\d+; "
                          r"ReceivedMessages=(\d+)", out.stdout + out.stderr)
            if not m:
                raise RuntimeError(f"sockperf: {out.stdout[-500:]} {out.stderr[-500:]}")
            return int(m.group(2)) / float(m.group(1))

        for kind in rates:  # The policy must let sockperf through everywhere.
            load(kind)
            connect = e2e.run(e2e.in_ns(
                cluster.pod_ns("x/b"), "/usr/bin/python3", "-c",
                f"import socket; socket.create_connection(('{a}', {PORT}), timeout=2)"),
                check=False)
            if connect.returncode != 0:
                raise RuntimeError(f"x/b cannot reach x/a:{PORT} under {kind}")
        listing = e2e.run(e2e.in_ns(node, "nft", "list", "table", "inet", "podwall"),
                          check=False).stdout
        for r in range(args.runs):
            for kind in rates:
                load(kind)
                rates[kind].append(rr())
                print(f"  run {r + 1}: {kind:<13} {rates[kind][-1]:>9.0f} transactions/s",
                      flush=True)
        load("none")
        counts["podwall_rules_2000"] = listing.count(" counter ")
    finally:
        if server:
            server.kill()
        e2e.run(e2e.in_ns(cluster.node, podwall, "uninstall"), check=False)
        cluster.cleanup()
        subprocess.run(["rm", "-rf", work])

    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"\n{'ruleset':<14} {'median/s':>10} {'min/s':>10} {'max/s':>10}")
    for k, v in rates.items():
        print(f"{k:<14} {med[k]:>10.0f} {min(v):>10.0f} {max(v):>10.0f}")
    result = {
        "rr_none_per_s": round(med["none"]),
        "rr_podwall_per_s": round(med["podwall-2000"]),
        "rr_iptables_linear_per_s": round(med["iptables"]),
        "rr_ratio_vs_no_ruleset": round(med["podwall-2000"] / med["none"], 3),
        "rr_ratio_vs_iptables_linear": round(med["podwall-2000"] / med["iptables"], 3),
        "rr_ratio_2000_vs_20_policies": round(med["podwall-2000"] / med["podwall-20"], 3),
        "iptables_linear_rules": counts.get("iptables_rules", 0),
    }
    print(f"\n(iptables-linear ruleset: {result['iptables_linear_rules']} rules)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
