#!/usr/bin/python3
"""podwalld --kubeconfig against the test API server, on real CNI pods.

    kubernetes_source_test.py PODWALL PODWALLD

The test API server (tests/kube/fake_apiserver.py: HTTPS, bearer token,
paginated lists, watch streams with bookmarks, 410 after compaction,
dropped connections) runs in the node namespace beside podwalld. Objects
created, changed and deleted through the API are enforced on the e2e
suite's nine pods; a dropped watch reconnects; a watch from a compacted
version relists and turns what vanished meanwhile into deletes.
"""

import json
import os
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "daemon"))
import run_e2e as e2e  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "support"))
from checks import check, failures, summary  # noqa: E402
import daemon_test as dt  # noqa: E402
from api_server import TestApiServer  # noqa: E402



def policy(from_pod):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "a-ingress", "namespace": "x"},
            "spec": {"podSelector": {"matchLabels": {"pod": "a"}},
                     "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"podSelector": {"matchLabels":
                                                             {"pod": from_pod}}}]}]}}


def main():
    podwall, podwalld = sys.argv[1:3]
    cluster = e2e.Cluster("bridge", f"pwk{os.getpid() % 100000}")
    api_server = None
    daemon_proc = None
    try:
        cluster.setup()
        work = os.path.join(cluster.work, "api")
        api_server = TestApiServer(cluster.node, work)
        api = api_server.post

        # The cluster through the API: namespaces and pods, then a policy.
        for item in yaml.safe_load(e2e.cluster_manifests(cluster, {}, {}, {}))["items"]:
            api("/test/apply", item)
        api("/test/apply", policy("b"))

        # podwalld starts while the API server answers 503: it serves its
        # socket, applies nothing, and says why.
        api("/test/down", {})
        socket_path = os.path.join(cluster.work, "podwall.sock")
        log = open(os.path.join(cluster.work, "podwalld.log"), "w")
        daemon_proc = subprocess.Popen(
            e2e.in_ns(cluster.node, podwalld, "--node-name", "node-1", "--kubeconfig",
                      f"{work}/kubeconfig", "--socket", socket_path, "--metrics-address",
                      "127.0.0.1:0", "--no-flow-capture"), stdout=log, stderr=log)
        runner = e2e.DaemonRunner(None, cluster, False)
        runner.socket = socket_path
        runner.proc = daemon_proc
        s = runner.wait(lambda s: s["sources"] and s["sources"][0]["errors"], "an error", 20)
        check(not s["ready"] and not s["sources"][0]["synced"]
              and "503" in s["sources"][0]["errors"][0],
              f"API down: not ready, the source says why: {s['sources'][0]['errors']}")
        table = e2e.run(e2e.in_ns(cluster.node, "nft", "list", "table", "inet", "podwall"),
                        check=False)
        check(table.returncode != 0, "API down: nothing applied (no partial view)")
        api("/test/resume", {})
        s = runner.wait(lambda s: s["ready"] and s["synced"], "ready", 20)
        check(s["sources"][0]["name"] == "kubernetes" and s["sources"][0]["ok"]
              and s["counts"]["pods"] == 9 and s["counts"]["policies"] == 1,
              f"listed the cluster through the API: {s['counts']}")

        def enforced(allowed, denied, what):
            dt.flush_conntrack(cluster)
            ok = dt.reach(cluster, allowed, "x/a", timeout=2) and \
                not dt.reach(cluster, denied, "x/a") if denied else \
                dt.reach(cluster, allowed, "x/a", timeout=2)
            check(ok, what)

        def change(body, path="/test/apply"):
            before = runner.status()["generation"]
            api(path, body)
            runner.wait(lambda s: s["generation"] > before and s["synced"], "synced", 10)

        enforced("x/b", "x/c", "policy from the API enforced (b allowed, c denied)")
        change(policy("c"))
        enforced("x/c", "x/b", "policy modified through the watch (c allowed, b denied)")
        relabeled = yaml.safe_load(e2e.cluster_manifests(
            cluster, {"x/b": {"pod": "c"}}, {}, {}))["items"]
        change(next(i for i in relabeled if i["kind"] == "Pod"
                    and i["metadata"]["name"] == "b" and i["metadata"]["namespace"] == "x"))
        enforced("x/b", None, "pod relabelled through the watch (b now matches pod=c)")
        change(next(i for i in yaml.safe_load(e2e.cluster_manifests(cluster, {}, {}, {}))[
            "items"] if i["kind"] == "Pod" and i["metadata"]["name"] == "b"
            and i["metadata"]["namespace"] == "x"))
        change({"kind": "NetworkPolicy", "namespace": "x", "name": "a-ingress"},
               "/test/delete")
        enforced("x/c", None, "policy deleted through the watch (all allowed)")
        dt.flush_conntrack(cluster)
        check(dt.reach(cluster, "x/b", "x/a"), "  ... b allowed too")

        # A ClusterNetworkPolicy through the API: Admin Deny x/b -> x/a
        # beats the allow-all state; deleted, x/b is allowed again.
        change({"apiVersion": "policy.networking.k8s.io/v1alpha2",
                "kind": "ClusterNetworkPolicy", "metadata": {"name": "no-b"},
                "spec": {"tier": "Admin", "priority": 1,
                         "subject": {"pods": {"podSelector": {"matchLabels": {"pod": "a"}}}},
                         "ingress": [{"name": "deny-b", "action": "Deny", "from": [
                             {"pods": {"podSelector": {"matchLabels": {"pod": "b"}}}}]}]}})
        check(runner.status()["counts"].get("cluster_policies") == 1,
              "the ClusterNetworkPolicy counted")
        enforced("x/c", "x/b", "ClusterNetworkPolicy from the API enforced (b denied)")
        change({"kind": "ClusterNetworkPolicy", "name": "no-b"}, "/test/delete")
        dt.flush_conntrack(cluster)
        check(dt.reach(cluster, "x/b", "x/a", timeout=2),
              "ClusterNetworkPolicy deleted through the watch (b allowed)")

        # Dropped connections: the watch reconnects and keeps following.
        api("/test/drop", {})
        change(policy("b"))
        enforced("x/b", "x/c", "after a dropped watch: new policy enforced")

        # Compaction while disconnected: the watch gets 410, podwalld lists
        # again and deletes what vanished meanwhile.
        before = runner.status()["generation"]
        api("/test/drop", {"hold": True})
        api("/test/delete", {"kind": "NetworkPolicy", "namespace": "x", "name": "a-ingress"})
        api("/test/compact", {})
        api("/test/resume", {})
        runner.wait(lambda s: s["generation"] > before and s["synced"]
                    and s["counts"]["policies"] == 0, "relisted", 20)
        enforced("x/c", None, "after 410: the relist deleted the vanished policy")
        with open(os.path.join(cluster.work, "podwalld.log")) as f:
            text = f.read()
        check("listing again" in text, "the 410 was logged and answered with a relist")
        daemon_proc.terminate()
        daemon_proc.wait(timeout=10)
        daemon_proc = None
    except Exception as ex:
        failures.append(f"error: {ex!r}")
        print(f"FAIL error: {ex!r}", flush=True)
    finally:
        if daemon_proc:
            daemon_proc.kill()
            daemon_proc.wait()
        if api_server:
            api_server.stop()
        if failures and os.path.exists(os.path.join(cluster.work, "podwalld.log")):
            with open(os.path.join(cluster.work, "podwalld.log")) as f:
                print("--- podwalld log ---\n" + f.read()[-3000:])
        e2e.run(e2e.in_ns(cluster.node, podwall, "uninstall"), check=False)
        cluster.cleanup()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
