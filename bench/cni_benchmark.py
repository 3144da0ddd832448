#!/usr/bin/python3
"""How long podwall-cni's ADD holds a new pod, on a node of the benchmark
cluster.

    sudo bench/cni_benchmark.py PODWALLD PODWALL_CNI WRITE_CLUSTER [--pods N]

podwalld follows the shared benchmark cluster (10,000 pods, 500
namespaces, 2,000 policies, 110 pods on node-0) from a manifests directory,
in a private node namespace, as node-0. N new pods of ns-0 (where a default
deny selects every pod) are listed without addresses, as the API server
shows a pod the kubelet has not run CNI for yet. Each is then made as a
runtime would: a network namespace, the real bridge plugin's ADD, then
podwall-cni's ADD with the bridge's result, which returns once podwalld has
the pod's rules in the kernel. Figures: podwall-cni ADD p50/p99/max and the
bridge ADD p50 beside it, in milliseconds. Prints one JSON line.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import podwalld_control  # noqa: E402

CNI_PATH = "/usr/lib/cni"
TAG = f"pwcb{os.getpid() % 100000}"
NODE = f"{TAG}-node"


def in_ns(ns, *cmd):
    return ["ip", "netns", "exec", ns, *cmd]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("podwalld")
    ap.add_argument("plugin")
    ap.add_argument("write_cluster")
    ap.add_argument("--pods", type=int, default=50)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix=f"{TAG}-")
    made = []
    daemon = None
    try:
        run(["ip", "netns", "add", NODE])
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["sysctl", "-qw", "net.ipv4.ip_forward=1"]):
            run(in_ns(NODE, *cmd))
        run(in_ns(NODE, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"))
        manifests = os.path.join(work, "cluster")
        run([args.write_cluster, manifests])
        new = [{"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": f"new-{i}", "namespace": "ns-0",
                             "labels": {"app": "web", "tier": "backend"}},
                "spec": {"nodeName": "node-0", "containers": [{"name": "main"}]},
                "status": {"phase": "Pending"}} for i in range(args.pods)]
        with open(os.path.join(manifests, "new-pods.json"), "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": new}, f)
        socket_path = os.path.join(work, "podwall.sock")
        log = open(os.path.join(work, "podwalld.log"), "w")
        daemon = subprocess.Popen(
            in_ns(NODE, args.podwalld, "--node-name", "node-0", "--manifests", manifests,
                  "--socket", socket_path, "--metrics-address", "127.0.0.1:0"),
            stdout=log, stderr=log)
        podwalld_control.wait(daemon, socket_path, lambda s: s["ready"] and s["synced"],
                              "ready", 60)

        bridge_ms, add_ms = [], []
        for i in range(args.pods):
            ns = f"{TAG}-p{i}"
            run(["ip", "netns", "add", ns])
            made.append(ns)
            env = dict(os.environ, CNI_COMMAND="ADD", CNI_CONTAINERID=ns,
                       CNI_NETNS=f"/var/run/netns/{ns}", CNI_IFNAME="eth0",
                       CNI_PATH=CNI_PATH,
                       CNI_ARGS=f"IgnoreUnknown=1;K8S_POD_NAMESPACE=ns-0;K8S_POD_NAME=new-{i}")
            conf = {"cniVersion": "1.0.0", "name": TAG, "type": "bridge",
                    "bridge": f"{TAG}br", "isGateway": True,
                    "ipam": {"type": "host-local",
                             "ranges": [[{"subnet": "10.250.0.0/16"}]],
                             "dataDir": os.path.join(work, "ipam")}}
            t0 = time.monotonic()
            result = run(in_ns(NODE, f"{CNI_PATH}/bridge"), input=json.dumps(conf),
                         env=env).stdout
            t1 = time.monotonic()
            chained = {"cniVersion": "1.0.0", "name": TAG, "type": "podwall-cni",
                       "socket": socket_path, "prevResult": json.loads(result)}
            # Exec'd as a runtime does: podwall-cni needs only the socket,
            # not the node's namespace (`ip netns exec` alone costs ~10 ms).
            run([args.plugin], input=json.dumps(chained), env=env)
            t2 = time.monotonic()
            bridge_ms.append((t1 - t0) * 1000)
            add_ms.append((t2 - t1) * 1000)
        s = podwalld_control.status(socket_path)
        if s["counts"]["local_endpoints"] != 110 + args.pods:
            raise RuntimeError(f"expected {110 + args.pods} local pods: {s['counts']}")
        print(json.dumps({
            "cni_pods": args.pods,
            "cni_add_p50_ms": round(statistics.median(add_ms), 2),
            "cni_add_p99_ms": round(pct(add_ms, 99), 2),
            "cni_add_max_ms": round(max(add_ms), 2),
            "cni_bridge_add_p50_ms": round(statistics.median(bridge_ms), 2),
        }))
        return 0
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait(timeout=10)
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(in_ns(NODE, "nft", "delete", "table", "inet", "podwall"),
                       capture_output=True)
        subprocess.run(["ip", "netns", "del", NODE], capture_output=True)
        if os.environ.get("PODWALL_KEEP"):
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
