#!/usr/bin/python3
"""podwall-cni chained after the real bridge plugin, with podwalld.

    cni_test.py PODWALL PODWALLD PODWALL_CNI

The e2e suite's node and nine pods, podwalld following a manifests
directory. New pods are made as a runtime would: the bridge plugin's ADD,
then podwall-cni's ADD with the bridge's result as prevResult and the pod's
name in CNI_ARGS. The pods' manifests carry no addresses, as the API server
shows a pod before the kubelet has run CNI. Checked: ADD returns only once
the pod is isolated (a server already listening is denied to a peer the
policy does not admit, at once), it prints prevResult unchanged, the veth
it reported is guarded; without podwall-cni the same pod is not enforced
(the control); an ADD that comes before podwalld has heard of the pod
waits for it; an ADD for a pod no source knows fails, as does one without
podwalld; CHECK, DEL, VERSION.
"""

import json
import os
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "daemon"))
import run_e2e as e2e  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "support"))
from checks import check, failures, summary  # noqa: E402



class NewPods:
    """Pods outside the e2e nine, made by bridge + podwall-cni."""

    def __init__(self, cluster, plugin, socket):
        self.cluster = cluster
        self.plugin = plugin
        self.socket = socket
        self.servers = {}
        self.results = {}
        self.made = []

    def ns(self, name):
        return f"{self.cluster.tag}-n{name}"

    def bridge_conf(self, name, host):
        c = self.cluster
        return {
            "cniVersion": "1.0.0", "name": c.tag, "type": "bridge",
            "bridge": f"{c.tag}br", "isGateway": True,
            "args": {"cni": {"ips": [f"{c.net4}.{host}/24", f"{c.net6}:{host}/64"]}},
            "ipam": {"type": "host-local",
                     "ranges": [[{"subnet": f"{c.net4}.0/24"}], [{"subnet": f"{c.net6}:/64"}]],
                     "dataDir": os.path.join(c.work, "ipam")},
        }

    def env(self, command, name):
        return dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=f"sandbox-{name}",
                    CNI_NETNS=f"/var/run/netns/{self.ns(name)}", CNI_IFNAME="eth0",
                    CNI_PATH=e2e.CNI_PATH,
                    CNI_ARGS=f"IgnoreUnknown=1;K8S_POD_NAMESPACE=x;K8S_POD_NAME={name}")

    def make(self, name, host):
        """The sandbox, a server already listening in it, the bridge ADD."""
        ns = self.ns(name)
        e2e.run(["ip", "netns", "add", ns])
        e2e.run(e2e.in_ns(ns, "ip", "link", "set", "lo", "up"))
        self.made.append(name)
        self.servers[name] = subprocess.Popen(
            e2e.in_ns(ns, "/usr/bin/python3", e2e.PROBE, "serve", "80"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = e2e.run(e2e.in_ns(self.cluster.node, f"{e2e.CNI_PATH}/bridge"),
                    input=json.dumps(self.bridge_conf(name, host)), env=self.env("ADD", name))
        self.results[name] = json.loads(r.stdout)
        return self.results[name]

    def podwall_cni(self, command, name, timeout=None, socket=None):
        conf = {"cniVersion": "1.0.0", "name": self.cluster.tag, "type": "podwall-cni",
                "socket": socket or self.socket, "prevResult": self.results.get(name, {})}
        if timeout:
            conf["timeoutSeconds"] = timeout
        start = time.monotonic()
        r = subprocess.run(e2e.in_ns(self.cluster.node, self.plugin), input=json.dumps(conf),
                           env=self.env(command, name), capture_output=True, text=True)
        return r, time.monotonic() - start

    def popen_add(self, name):
        conf = {"cniVersion": "1.0.0", "name": self.cluster.tag, "type": "podwall-cni",
                "socket": self.socket, "prevResult": self.results[name]}
        p = subprocess.Popen(e2e.in_ns(self.cluster.node, self.plugin), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=self.env("ADD", name))
        p.stdin.write(json.dumps(conf))
        p.stdin.close()
        return p

    def ip(self, name):
        return self.results[name]["ips"][0]["address"].split("/")[0]

    def cleanup(self):
        for name in self.made:
            server = self.servers.pop(name, None)
            if server:
                server.kill()
                server.wait()
            e2e.run(e2e.in_ns(self.cluster.node, f"{e2e.CNI_PATH}/bridge"),
                    input=json.dumps(self.bridge_conf(name, 0)), env=self.env("DEL", name),
                    check=False)
            e2e.run(["ip", "netns", "del", self.ns(name)], check=False)


def pod_manifest(name, labels):
    # As the API server shows a scheduled pod before CNI: no addresses.
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "x", "labels": labels},
            "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "none"}]},
            "status": {"phase": "Pending"}}


POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "isolate-new", "namespace": "x"},
          "spec": {"podSelector": {"matchLabels": {"role": "new"}},
                   "policyTypes": ["Ingress"],
                   "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "a"}}}]}]}}


def probe(cluster, src, ip, timeout=0.6):
    return cluster.probe_from(src, [{"id": "p", "proto": "tcp", "host": ip, "port": 80,
                                     "timeout": timeout}])["p"]


def main():
    podwall, podwalld, plugin = sys.argv[1:4]
    cluster = e2e.Cluster("bridge", f"pwc{os.getpid() % 100000}")
    pods = None
    daemon = None
    try:
        cluster.setup()
        runner = e2e.DaemonRunner(podwalld, cluster, False)
        runner.podwalld = podwalld
        runner.start()
        daemon = runner
        pods = NewPods(cluster, plugin, runner.socket)
        base = yaml.safe_load(e2e.cluster_manifests(cluster, {}, {}, {}))["items"]
        items = base + [POLICY, pod_manifest("new", {"role": "new"}),
                        pod_manifest("raw", {"role": "new"}),
                        pod_manifest("shaped", {"role": "new"})]
        runner.apply(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))

        # VERSION.
        r, _ = pods.podwall_cni("VERSION", "new")
        check(r.returncode == 0 and "1.0.0" in json.loads(r.stdout)["supportedVersions"],
              f"VERSION: {r.stdout.strip()}")

        # ADD: the server in the pod listens before the bridge ADD; the
        # moment podwall-cni returns, b is denied and a admitted.
        result = pods.make("new", 91)
        r, took = pods.podwall_cni("ADD", "new")
        check(r.returncode == 0, f"ADD succeeded in {took * 1000:.0f} ms: {r.stdout.strip()[:200]}")
        check(r.returncode == 0 and json.loads(r.stdout) == result,
              "ADD printed prevResult unchanged")
        ip = pods.ip("new")
        e2e.run(e2e.in_ns(cluster.node, "conntrack", "-F"), check=False)
        check(not probe(cluster, "x/b", ip), "right after ADD: x/b -> new denied")
        check(probe(cluster, "x/a", ip, 2), "right after ADD: x/a -> new allowed")
        veth = next(i["name"] for i in result["interfaces"]
                    if "sandbox" not in i and i["name"] != f"{cluster.tag}br")
        ruleset = e2e.run(e2e.in_ns(cluster.node, "nft", "list", "ruleset")).stdout
        check(veth in ruleset, f"the veth podwall-cni reported ({veth}) is guarded")
        s = runner.status()
        check(s["counts"]["local_endpoints"] == 10, f"ten local pods: {s['counts']}")

        # The control: the same kind of pod without podwall-cni is not
        # enforced, because nothing tells podwalld its address.
        pods.make("raw", 92)
        e2e.run(e2e.in_ns(cluster.node, "conntrack", "-F"), check=False)
        check(probe(cluster, "x/b", pods.ip("raw"), 2),
              "control: without podwall-cni the same pod is not enforced (x/b -> raw allowed)")

        # The bandwidth plugin between the bridge and podwall-cni: its IFB
        # device is listed after the pod's eth0 and is not the pod's; its
        # tc ingress redirect on the veth skips the netdev hook, so the veth
        # is guarded after tc too (tables bridge and inet).
        pods.make("shaped", 95)
        bw = {"cniVersion": "1.0.0", "name": cluster.tag, "type": "bandwidth",
              "runtimeConfig": {"bandwidth": {"egressRate": 100000000,
                                              "egressBurst": 100000000}},
              "prevResult": pods.results["shaped"]}
        r = e2e.run(e2e.in_ns(cluster.node, f"{e2e.CNI_PATH}/bandwidth"),
                    input=json.dumps(bw), env=pods.env("ADD", "shaped"))
        pods.results["shaped"] = json.loads(r.stdout)
        ifb = [i["name"] for i in pods.results["shaped"]["interfaces"]][-1]
        r, _ = pods.podwall_cni("ADD", "shaped")
        check(r.returncode == 0, f"ADD after the bandwidth plugin succeeded {r.stdout[:200]}")
        shaped_veth = next(i["name"] for i in pods.results["shaped"]["interfaces"]
                           if "sandbox" not in i and i["name"] not in (f"{cluster.tag}br", ifb))
        guards = e2e.run(e2e.in_ns(cluster.node, "nft", "list", "table", "netdev",
                                   "podwall")).stdout
        check(f"guard_{shaped_veth}" in guards and f"guard_{ifb}" not in guards,
              f"the veth ({shaped_veth}) is guarded, not the IFB device ({ifb})")
        for family in ("bridge", "inet"):
            table = e2e.run(e2e.in_ns(cluster.node, "nft", "list", "map", family, "podwall",
                                      "guard_devices")).stdout
            check(f'"{shaped_veth}" : jump guard_{shaped_veth}' in table
                  and ifb not in table,
                  f"the veth is guarded after tc in table {family}, not the IFB device")
        check(runner.status()["enforcement_problems"] == [],
              "a tc redirect is no enforcement problem any more")

        # CHECK.
        r, _ = pods.podwall_cni("CHECK", "new")
        check(r.returncode == 0, f"CHECK of an enforced pod passes {r.stdout.strip()}")

        # ADD before podwalld has heard of the pod: it waits for it.
        pods.make("late", 93)
        adding = pods.popen_add("late")
        time.sleep(1.0)
        check(adding.poll() is None, "ADD for a pod podwalld has not heard of yet waits")
        items.append(pod_manifest("late", {"role": "new"}))
        runner.apply(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))
        adding.wait(timeout=15)
        adding.stdout.close()
        check(adding.returncode == 0, "... and returns once the pod is known and isolated")
        e2e.run(e2e.in_ns(cluster.node, "conntrack", "-F"), check=False)
        check(not probe(cluster, "x/b", pods.ip("late")), "... x/b -> late denied")

        # A pod no source knows: ADD fails (the runtime retries); so does an
        # ADD with podwalld not reachable.
        pods.make("ghost", 94)
        r, took = pods.podwall_cni("ADD", "ghost", timeout=3)
        err = json.loads(r.stdout or "{}")
        check(r.returncode != 0 and err.get("code") == 100 and "ghost" in err.get("details", ""),
              f"ADD for an unknown pod fails in {took:.1f} s: {err}")
        r, _ = pods.podwall_cni("ADD", "new", socket="/nonexistent/podwall.sock")
        err = json.loads(r.stdout or "{}")
        check(r.returncode != 0 and err.get("code") == 11,
              f"ADD without podwalld fails with 'try again later': {err.get('msg')}")

        # DEL: the pod's addresses are withdrawn.
        r, _ = pods.podwall_cni("DEL", "new")
        check(r.returncode == 0, "DEL succeeded")
        s = runner.wait(lambda s: s["synced"] and s["counts"]["local_endpoints"] == 11,
                        "after DEL", 10)
        ruleset = e2e.run(e2e.in_ns(cluster.node, "nft", "list", "ruleset")).stdout
        check(ip not in ruleset, f"after DEL the pod's address is gone from the ruleset ({ip})")
        r, _ = pods.podwall_cni("CHECK", "ghost")
        check(r.returncode != 0, "CHECK of an unknown pod fails")
        r, _ = pods.podwall_cni("DEL", "nobody", socket="/nonexistent/podwall.sock")
        check(r.returncode == 0, "DEL without podwalld still succeeds")
    except Exception as ex:
        failures.append(f"error: {ex!r}")
        print(f"FAIL error: {ex!r}", flush=True)
    finally:
        if daemon:
            daemon.stop()
            if failures:
                with open(os.path.join(cluster.work, "podwalld.log")) as f:
                    print("--- podwalld log ---\n" + f.read()[-3000:])
        if pods:
            pods.cleanup()
        e2e.run(e2e.in_ns(cluster.node, podwall, "uninstall"), check=False)
        cluster.cleanup()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
