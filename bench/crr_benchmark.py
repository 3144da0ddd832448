#!/usr/bin/python3
"""First-packet cost: new TCP connections per second between two CNI pods.

    sudo bench/crr_benchmark.py PODWALL WRITE_CLUSTER CRR_LOAD
                                [--runs N] [--seconds S] [--threads T]

Nine pods from the real CNI bridge plugin (tests/e2e). x/b's netns runs
`crr_load client` against `crr_load server` in x/a's: each connection is
connect, 64-byte request, 64-byte response, close (reset), so every one is
new to conntrack and its first packet walks the policy chains, which
established request/response (bench/rr_benchmark.py) never does. Rulesets
in the node namespace, A/B interleaved round after round:
  none            no ruleset at all (the physical limit);
  conntrack-only  one forward chain with `ct state established,related
                  accept`: the cost of stateful filtering itself;
  podwall-N       podwall's ruleset for the benchmark cluster (10,000 pods,
                  500 namespaces, N policies, 110 other pods on this node),
                  N = 20, 2,000, 20,000. The two pods are pods of ns-5
                  (server app=api tier=frontend, its `http` port the
                  server's), so ns-5's generated policies select them and
                  their chains grow with N (20,000 policies: 40 per
                  namespace); two more policies let the client reach the
                  server whatever N is.
Rates on this machine drift by a quarter within minutes, so the ratios are
medians of per-round ratios (each round measures every ruleset back to
back), not ratios of medians. Prints a table and one JSON line.
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
POLICY_COUNTS = (20, 2000, 20000)
CONNTRACK_ONLY = """
table inet crr_bench {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ct state established,related accept
  }
}
"""


def bench_objects(server_ips, client_ips):
    """The two benchmark pods, in generated namespace ns-5, and the policies
    that let the client reach the server on PORT whatever else selects
    them (named so that they sort after the generated ones)."""
    def pod(name, labels, ips):
        return {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ns-5", "labels": labels},
            "spec": {"nodeName": "node-0", "containers": [{
                "name": "main", "image": "none",
                "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"},
                          {"name": "metrics", "containerPort": 9090,
                           "protocol": "TCP"}]}]},
            "status": {"phase": "Running", "podIP": ips[0],
                       "podIPs": [{"ip": ip} for ip in ips]},
        }

    def policy(name, selected, direction, peer):
        rule = {"ports": [{"port": PORT}],
                ("from" if direction == "Ingress" else "to"):
                    [{"podSelector": {"matchLabels": {"crr": peer}}}]}
        return {
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": "ns-5"},
            "spec": {"podSelector": {"matchLabels": {"crr": selected}},
                     "policyTypes": [direction], direction.lower(): [rule]},
        }

    return {"apiVersion": "v1", "kind": "List", "items": [
        pod("crr-server", {"app": "api", "tier": "frontend", "version": "v0",
                           "crr": "server"}, server_ips),
        pod("crr-client", {"app": "web", "tier": "backend", "version": "v0",
                           "crr": "client"}, client_ips),
        policy("zz-crr-server", "server", "Ingress", "client"),
        policy("zz-crr-client", "client", "Egress", "server"),
    ]}


def chain_rules(listing, chain):
    """Rules in one chain of an `nft list table` listing."""
    m = re.search(r"chain " + re.escape(chain) + r" \{(.*?)\n\t\}", listing, re.S)
    return 0 if not m else sum(
        1 for line in m.group(1).splitlines()
        if line.strip() and not line.strip().startswith("comment"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("podwall")
    ap.add_argument("write_cluster")
    ap.add_argument("crr_load")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    podwall = os.path.abspath(args.podwall)
    crr_load = os.path.abspath(args.crr_load)
    cluster = e2e.Cluster("bridge", f"pwc{os.getpid() % 100000}")
    work = tempfile.mkdtemp(prefix="podwall-crr-")
    server = None
    kinds = ["none", "conntrack-only"] + [f"podwall-{n}" for n in POLICY_COUNTS]
    rates = {k: [] for k in kinds}
    chains = {}
    try:
        cluster.setup()
        node = cluster.node
        a, b = cluster.ips["x/a"][0], cluster.ips["x/b"][0]
        objects = bench_objects(cluster.ips["x/a"], cluster.ips["x/b"])
        dirs = {}
        for n in POLICY_COUNTS:
            d = os.path.join(work, str(n))
            e2e.run([args.write_cluster, d, "10000", "500", str(n), "110"])
            with open(os.path.join(d, "crr.json"), "w") as f:
                json.dump(objects, f)
            dirs[f"podwall-{n}"] = d
        server = subprocess.Popen(
            e2e.in_ns(cluster.pod_ns("x/a"), crr_load, "server", a, str(PORT),
                      str(args.threads)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)

        def load(kind):
            e2e.run(e2e.in_ns(node, podwall, "uninstall"), check=False)
            e2e.run(e2e.in_ns(node, "nft", "delete", "table", "inet", "crr_bench"),
                    check=False)
            if kind.startswith("podwall"):
                e2e.run(e2e.in_ns(node, podwall, "apply", "--node-name", "node-0",
                                  "-f", dirs[kind]))
            elif kind == "conntrack-only":
                e2e.run(e2e.in_ns(node, "nft", "-f", "-"), input=CONNTRACK_ONLY)
            e2e.run(e2e.in_ns(node, "conntrack", "-F"), check=False)

        def crr(seconds):
            out = e2e.run(e2e.in_ns(cluster.pod_ns("x/b"), crr_load, "client", a,
                                    str(PORT), str(seconds), str(args.threads)),
                          check=False)
            m = re.search(r"per_s=(\d+) failures=(\d+)", out.stdout)
            if out.returncode != 0 or not m:
                raise RuntimeError(f"crr_load: {out.stdout[-500:]} {out.stderr[-500:]}")
            return int(m.group(1)), int(m.group(2))

        for kind in kinds:  # Every ruleset must let the client through.
            load(kind)
            rate, failures = crr(0.3)
            if failures:
                raise RuntimeError(f"{failures} connections failed under {kind}")
            if kind.startswith("podwall"):
                listing = e2e.run(e2e.in_ns(node, "nft", "list", "table", "inet",
                                            "podwall")).stdout
                chains[kind] = (chain_rules(listing, "in_ns-5/crr-server"),
                                chain_rules(listing, "out_ns-5/crr-client"))
        for r in range(args.runs):
            for kind in kinds:
                load(kind)
                rate, _ = crr(args.seconds)
                rates[kind].append(rate)
                print(f"  run {r + 1}: {kind:<15} {rate:>8} connections/s", flush=True)
        load("none")
    finally:
        if server:
            server.kill()
        e2e.run(e2e.in_ns(cluster.node, podwall, "uninstall"), check=False)
        cluster.cleanup()
        subprocess.run(["rm", "-rf", work])

    med = {k: statistics.median(v) for k, v in rates.items()}

    def ratio(a, b):
        return round(statistics.median(x / y for x, y in zip(rates[a], rates[b])), 3)

    print(f"\n{'ruleset':<16} {'median/s':>10} {'min/s':>10} {'max/s':>10}  chain rules")
    for k, v in rates.items():
        rules = chains.get(k)
        print(f"{k:<16} {med[k]:>10.0f} {min(v):>10.0f} {max(v):>10.0f}"
              f"  {'' if not rules else f'in {rules[0]}, out {rules[1]}'}")
    result = {
        "crr_none_per_s": round(med["none"]),
        "crr_conntrack_only_per_s": round(med["conntrack-only"]),
        **{f"crr_podwall_{n}_per_s": round(med[f"podwall-{n}"]) for n in POLICY_COUNTS},
        "crr_ratio_vs_conntrack_only": ratio("podwall-2000", "conntrack-only"),
        "crr_ratio_vs_no_ruleset": ratio("podwall-2000", "none"),
        "crr_ratio_conntrack_only_vs_no_ruleset": ratio("conntrack-only", "none"),
        "crr_ratio_20000_vs_20_policies": ratio("podwall-20000", "podwall-20"),
        "crr_chain_rules_20000": sum(chains.get("podwall-20000", (0, 0))),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
