#!/usr/bin/python3
"""End-to-end NetworkPolicy suite: real pods, real packets, full matrices.

    run_e2e.py PODWALL bridge|ptp [--via apply|daemon] [--scenarios DIR]
               [--only NAME_GLOB]...

Builds a throwaway node network namespace with 3 namespaces x 3 pods (x/a ..
z/c), each a network namespace whose dual-stack veth the real CNI plugin
(`bridge` or `ptp`, IPAM `host-local`) makes, serving TCP and UDP echo on
ports 80 and 81. Then, for each step of each scenario in tests/e2e/scenarios:
writes the Namespace, Pod and NetworkPolicy manifests, applies them with
`podwall apply` (or, with --via daemon, renames them into the directory a
`podwalld --manifests` follows and waits for the new generation), flushes
conntrack, probes every pod (and the node) to every
other pod on the scenario's probes, and compares the matrix with the
expected one. Everything it made is removed at exit, pass or fail.

Scenario files are YAML lists; see tests/e2e/README.md for the format.
Exit status: 0 when every scenario passed, 1 otherwise, 2 on bad input.
"""

import argparse
import fnmatch
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROBE = os.path.join(ROOT, "tests", "support", "netprobe.py")
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import podwalld_control  # noqa: E402
NAMESPACES = ["x", "y", "z"]
PODS = ["a", "b", "c"]
ALL = [f"{ns}/{p}" for ns in NAMESPACES for p in PODS]
NODE = "node"
CNI_PATH = "/usr/lib/cni"

# A denied probe costs its whole timeout, so denials are judged quickly and
# every cell that reads blocked where reachable was expected is probed again
# with a generous timeout before it counts: a slow machine can only make
# false denials, never false allows.
FAST_TIMEOUT = 0.45
SLOW_TIMEOUT = 3.0


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def in_ns(ns, *cmd):
    return ["ip", "netns", "exec", ns, *cmd]


class Cluster:
    """The node namespace and its nine pods, made by the real CNI plugin."""

    def __init__(self, topology, tag):
        self.topology = topology
        self.tag = tag
        self.node = f"{tag}-node"
        self.work = tempfile.mkdtemp(prefix=f"{tag}-")
        octet = random.randint(20, 250)
        self.net4 = f"10.{octet}.{random.randint(1, 250)}"
        self.net6 = f"fd00:{random.randint(0x1000, 0xffff):x}:{octet:x}:"
        self.ips = {}  # "x/a" -> (ipv4, ipv6)
        self.moved = set()
        self.servers = {}
        self.made = []  # Pod namespaces with a CNI attachment.

    def pod_ns(self, pod):
        return f"{self.tag}-{pod.replace('/', '-')}"

    def address_for(self, pod):
        # x/a -> .11, y/b -> .22; a moved pod gets +100.
        host = 10 * (NAMESPACES.index(pod[0]) + 1) + PODS.index(pod[2]) + 1
        if pod in self.moved:
            host += 100
        return f"{self.net4}.{host}", f"{self.net6}:{host}"

    def conf(self, pod):
        v4, v6 = self.address_for(pod)
        conf = {
            "cniVersion": "1.0.0",
            "name": self.tag,
            "type": self.topology,
            "args": {"cni": {"ips": [f"{v4}/24", f"{v6}/64"]}},
            "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": f"{self.net4}.0/24"}],
                           [{"subnet": f"{self.net6}:/64"}]],
                "dataDir": os.path.join(self.work, "ipam"),
            },
        }
        if self.topology == "bridge":
            conf.update({"bridge": f"{self.tag}br", "isGateway": True})
        return json.dumps(conf)

    def cni(self, command, pod):
        ns = self.pod_ns(pod)
        env = dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=ns,
                   CNI_NETNS=f"/var/run/netns/{ns}", CNI_IFNAME="eth0",
                   CNI_PATH=CNI_PATH)
        return run(in_ns(self.node, f"{CNI_PATH}/{self.topology}"),
                   input=self.conf(pod), env=env, check=command == "ADD")

    def setup(self):
        run(["ip", "netns", "add", self.node])
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["sysctl", "-qw", "net.ipv4.ip_forward=1"],
                    ["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"],
                    ["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"],
                    ["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0"]):
            run(in_ns(self.node, *cmd))
        for knob in ("net.bridge.bridge-nf-call-iptables=1",
                     "net.bridge.bridge-nf-call-ip6tables=1"):
            run(in_ns(self.node, "sysctl", "-qw", knob), check=False)
        for pod in ALL:
            self.add_pod(pod)
        self.wait_ready()

    def add_pod(self, pod):
        ns = self.pod_ns(pod)
        run(["ip", "netns", "add", ns])
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"],
                    ["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0"]):
            run(in_ns(ns, *cmd))
        self.made.append(pod)
        result = json.loads(self.cni("ADD", pod).stdout)
        addrs = [i["address"].split("/")[0] for i in result["ips"]]
        v4 = next(a for a in addrs if ":" not in a)
        v6 = next(a for a in addrs if ":" in a)
        self.ips[pod] = (v4, v6)
        # A recreated pod may reuse an address whose old MAC the node and
        # the other pods still have cached as reachable.
        for other in [self.node] + [self.pod_ns(p) for p in self.made if p != pod]:
            for a in (v4, v6):
                run(in_ns(other, "ip", "neigh", "flush", "to", a), check=False)
        self.servers[pod] = subprocess.Popen(
            in_ns(ns, "/usr/bin/python3", PROBE, "serve", "80", "81"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def remove_pod(self, pod):
        server = self.servers.pop(pod, None)
        if server:
            server.kill()
            server.wait()
        if pod in self.made:
            self.cni("DEL", pod)
            self.made.remove(pod)
        run(["ip", "netns", "del", self.pod_ns(pod)], check=False)
        self.ips.pop(pod, None)

    def move_pod(self, pod):
        """The pod is recreated with a new address (as after a restart)."""
        self.remove_pod(pod)
        self.moved.add(pod)
        self.add_pod(pod)
        self.wait_ready([pod])

    def restore(self):
        for pod in sorted(self.moved):
            self.remove_pod(pod)
            self.moved.discard(pod)
            self.add_pod(pod)
        self.wait_ready()

    def wait_ready(self, pods=None):
        """Until the node reaches every pod's servers (which also teaches a
        bridge where each pod's veth is, for anti-spoofing)."""
        pods = pods or ALL
        deadline = time.monotonic() + 15
        while True:
            specs = [{"id": f"{p}|{fam}", "proto": "tcp", "host": self.ips[p][i],
                      "port": port, "timeout": 1.0}
                     for p in pods for i, fam in enumerate(("4", "6")) for port in (80, 81)]
            got = self.probe_from(NODE, specs)
            if all(got.values()):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"pods not serving: {[k for k, v in got.items() if not v]}")
            time.sleep(0.2)

    def probe_from(self, source, specs):
        ns = self.node if source == NODE else self.pod_ns(source)
        r = run(in_ns(ns, "/usr/bin/python3", PROBE, "probe-many"),
                input=json.dumps(specs))
        return json.loads(r.stdout)

    def cleanup(self):
        for pod in list(self.made) + [p for p in ALL if p not in self.made]:
            self.remove_pod(pod)
        run(["ip", "netns", "del", self.node], check=False)
        shutil.rmtree(self.work, ignore_errors=True)


# --- expectations -----------------------------------------------------------

def parse_probe(text):
    """'tcp/80' or 'udp/81/v6' -> (proto, port, family)."""
    parts = text.split("/")
    if len(parts) not in (2, 3) or parts[0] not in ("tcp", "udp"):
        raise ValueError(f"bad probe {text!r} (want tcp|udp/PORT[/v6])")
    family = 6 if len(parts) == 3 and parts[2] == "v6" else 4
    return parts[0], int(parts[1]), family


def expected_matrix(lines, probe, sources):
    """Applies 'FROM -> TO [PROBE...]: ./X' lines in order; the last match
    wins; default reachable. A pod to itself is always reachable."""
    want = {(s, d): "." for s in sources for d in ALL}
    for line in lines or []:
        try:
            lhs, verdict = line.rsplit(":", 1)
            verdict = verdict.strip()
            src, rest = lhs.split("->")
            parts = rest.split()
            dst, probes = parts[0], parts[1:] or ["*"]
        except ValueError:
            raise ValueError(f"bad expectation {line!r} (want 'FROM -> TO [PROBE]: ./X')")
        if verdict not in (".", "X"):
            raise ValueError(f"bad verdict in {line!r}")
        if not any(fnmatch.fnmatch(probe, p) for p in probes):
            continue
        src = src.strip()
        for s in sources:
            # The node row is only named explicitly: '*' means the pods.
            if (s == NODE) != (src == NODE):
                continue
            for d in ALL:
                if fnmatch.fnmatch(s, src) and fnmatch.fnmatch(d, dst):
                    want[(s, d)] = verdict
    for s in sources:
        if s in ALL:
            want[(s, s)] = "."
    return want


def format_side_by_side(probe, sources, want, got):
    def rows(m):
        out = ["      " + " ".join(d for d in ALL)]
        for s in sources:
            out.append(f"{s:<6}" + " ".join(f"{m[(s, d)]:^3}" for d in ALL))
        return out

    w, g = rows(want), rows(got)
    width = max(len(r) for r in w)
    lines = [f"  {probe}: expected{' ' * (width - 8)}   actual"]
    for a, b in zip(w, g):
        mark = "  " if a == b else "<>"
        lines.append(f"  {a:<{width}} {mark} {b}")
    return "\n".join(lines)


# --- manifests ---------------------------------------------------------------

def substitute(text, cluster):
    for pod in ALL:
        v4, v6 = cluster.ips[pod]
        text = text.replace(f"{{ip4:{pod}}}", v4).replace(f"{{ip6:{pod}}}", v6)
    return (text.replace("{cidr4}", f"{cluster.net4}.0/24")
                .replace("{cidr6}", f"{cluster.net6}:/64")
                .replace("{net4}", cluster.net4)
                .replace("{net6}", cluster.net6))


def cluster_manifests(cluster, pod_labels, ns_labels, pod_ports):
    items = []
    for ns in NAMESPACES:
        labels = {"kubernetes.io/metadata.name": ns, **ns_labels.get(ns, {})}
        items.append({"apiVersion": "v1", "kind": "Namespace",
                      "metadata": {"name": ns, "labels": labels}})
    for pod in ALL:
        ns, name = pod.split("/")
        v4, v6 = cluster.ips[pod]
        ports = [{"name": f"serve-{port}-{proto.lower()}", "containerPort": port,
                  "protocol": proto} for port in (80, 81) for proto in ("TCP", "UDP")]
        for port_name, port in pod_ports.get(pod, {}).items():
            ports.append({"name": port_name, "containerPort": int(port), "protocol": "TCP"})
        items.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns,
                         "labels": pod_labels.get(pod, {"pod": name})},
            "spec": {"nodeName": "node-1",
                     "containers": [{"name": "c", "image": "none", "ports": ports}]},
            "status": {"phase": "Running", "podIP": v4,
                       "podIPs": [{"ip": v4}, {"ip": v6}]},
        })
    return yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items})


# --- running -----------------------------------------------------------------

class Runner:
    """Applies steps with `podwall apply`."""

    def __init__(self, podwall, cluster, verbose):
        self.podwall = podwall
        self.cluster = cluster
        self.verbose = verbose
        self.steps = 0

    def start(self):
        pass

    def stop(self):
        pass

    def apply(self, manifests):
        d = os.path.join(self.cluster.work, "manifests")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        with open(os.path.join(d, "all.yaml"), "w") as f:
            f.write(manifests)
        r = run(in_ns(self.cluster.node, self.podwall, "apply", "--node-name", "node-1",
                      "-f", d), check=False)
        if r.returncode != 0:
            raise RuntimeError(f"podwall apply failed ({r.returncode}): {r.stderr.strip()}")

    def measure(self, probes, sources, timeout, only=None):
        """{probe: {(src, dst): '.'|'X'}} for every pair (or only `only`)."""
        specs = {s: [] for s in sources}
        for probe in probes:
            proto, port, family = parse_probe(probe)
            for s in sources:
                for d in ALL:
                    if s == d or (only is not None and (probe, s, d) not in only):
                        continue
                    host = self.cluster.ips[d][0 if family == 4 else 1]
                    specs[s].append({"id": f"{probe}|{d}", "proto": proto,
                                     "host": host, "port": port, "timeout": timeout})
        # All sources at once: each prober runs its probes concurrently.
        procs = {}
        for s, sp in specs.items():
            if not sp:
                continue
            ns = self.cluster.node if s == NODE else self.cluster.pod_ns(s)
            p = subprocess.Popen(in_ns(ns, "/usr/bin/python3", PROBE, "probe-many"),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            p.stdin.write(json.dumps(sp))
            p.stdin.close()
            procs[s] = p
        got = {probe: {} for probe in probes}
        for s, p in procs.items():
            out = json.loads(p.stdout.read())
            p.wait()
            for key, ok in out.items():
                probe, d = key.split("|")
                got[probe][(s, d)] = "." if ok else "X"
        for probe in probes:
            for s in sources:
                if s in ALL:
                    got[probe][(s, s)] = "."
        return got

    def run_step(self, scenario, index, step, state):
        cluster = self.cluster
        for pod in step.get("move", []):
            cluster.move_pod(pod)
        for pod, labels in (step.get("pod_labels") or {}).items():
            state["pod_labels"][pod] = labels
        for pod, ports in (step.get("pod_ports") or {}).items():
            state["pod_ports"][pod] = ports
        for ns, labels in (step.get("namespace_labels") or {}).items():
            state["ns_labels"][ns] = labels
        if "policies" in step:
            state["policies"] = step["policies"] or ""
        self.apply(cluster_manifests(cluster, state["pod_labels"], state["ns_labels"],
                                     state["pod_ports"])
                   + "---\n" + substitute(state["policies"], cluster))
        run(in_ns(cluster.node, "conntrack", "-F"), check=False)
        probes = step.get("probes") or scenario.get("probes") or ["tcp/80"]
        sources = [NODE] + ALL
        want = {p: expected_matrix(step.get("expect"), p, sources) for p in probes}
        got = self.measure(probes, sources, FAST_TIMEOUT)
        retry = {(p, s, d) for p in probes for (s, d), v in got[p].items()
                 if v == "X" and want[p][(s, d)] == "."}
        if retry:
            again = self.measure(probes, sources, SLOW_TIMEOUT, only=retry)
            for p in probes:
                got[p].update(again[p])
        failures = [format_side_by_side(p, sources, want[p], got[p])
                    for p in probes if want[p] != got[p]]
        return failures

    def run_scenario(self, scenario):
        state = {"pod_labels": {}, "ns_labels": {}, "pod_ports": {}, "policies": ""}
        failures = []
        try:
            for i, step in enumerate(scenario["steps"]):
                for f in self.run_step(scenario, i, step, state):
                    what = f" ({step['what']})" if step.get("what") else ""
                    failures.append(f"step {i + 1}{what}:\n{f}")
        finally:
            if self.cluster.moved:
                self.cluster.restore()
        return failures


class DaemonRunner(Runner):
    """Applies steps through `podwalld --manifests DIR`: each step's
    manifests are renamed into the directory in one piece, with a marker
    namespace that makes every step a change, and the step waits until the
    daemon reports a new generation, synced."""

    def start(self):
        self.dir = os.path.join(self.cluster.work, "watched")
        os.makedirs(self.dir, exist_ok=True)
        self.socket = os.path.join(self.cluster.work, "podwall.sock")
        self.log = open(os.path.join(self.cluster.work, "podwalld.log"), "w")
        podwalld = self.podwalld
        self.proc = subprocess.Popen(
            in_ns(self.cluster.node, podwalld, "--node-name", "node-1", "--manifests",
                  self.dir, "--socket", self.socket, "--metrics-address", "127.0.0.1:0"),
            stdout=self.log, stderr=self.log)
        self.wait(lambda s: s["ready"], "ready")

    def stop(self):
        if getattr(self, "proc", None):
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.log.close()

    def status(self):
        return podwalld_control.status(self.socket)

    def wait(self, done, what, timeout=10):
        return podwalld_control.wait(self.proc, self.socket, done, what, timeout)

    def apply(self, manifests):
        self.steps += 1
        marker = (f"---\napiVersion: v1\nkind: Namespace\n"
                  f"metadata: {{name: e2e-step-{self.steps}}}\n")
        before = self.status()["generation"]
        tmp = os.path.join(self.dir, ".all.yaml.new")
        with open(tmp, "w") as f:
            f.write(manifests + marker)
        os.rename(tmp, os.path.join(self.dir, "all.yaml"))
        s = self.wait(lambda s: s["generation"] > before and s["synced"], "synced")
        errors = [e for src in s["sources"] for e in src["errors"]]
        if errors:
            raise RuntimeError(f"podwalld rejected the manifests: {errors}")


def load_scenarios(directory, only):
    scenarios = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".yaml"):
            continue
        path = os.path.join(directory, name)
        with open(path) as f:
            for s in yaml.safe_load(f) or []:
                s["file"] = name
                if not s.get("name") or not s.get("steps"):
                    raise ValueError(f"{path}: scenario without name or steps: {s}")
                for step in s["steps"]:
                    for p in step.get("probes") or s.get("probes") or []:
                        parse_probe(p)
                    expected_matrix(step.get("expect"), "tcp/80", [NODE] + ALL)
                if not only or any(fnmatch.fnmatch(s["name"], o) for o in only):
                    scenarios.append(s)
    names = [s["name"] for s in scenarios]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"duplicate scenario names: {sorted(dup)}")
    return scenarios


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("podwall")
    ap.add_argument("topology", choices=["bridge", "ptp"])
    ap.add_argument("--scenarios", default=os.path.join(HERE, "scenarios"))
    ap.add_argument("--only", action="append", default=[],
                    help="run scenarios whose name matches this glob")
    ap.add_argument("--via", choices=["apply", "daemon"], default="apply",
                    help="how manifests reach the kernel")
    ap.add_argument("--podwalld", help="the daemon binary (default: beside "
                    "PODWALL in the build tree)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    try:
        scenarios = load_scenarios(args.scenarios, args.only)
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not scenarios:
        print("error: no scenarios", file=sys.stderr)
        return 2

    tag = f"pwe{os.getpid() % 100000}{args.topology[0]}{args.via[0]}"
    cluster = Cluster(args.topology, tag)
    # Ctrl-C and ctest's timeout (SIGTERM) still clean up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    started = time.monotonic()
    failed = []
    runner = None
    try:
        cluster.setup()
        kind = DaemonRunner if args.via == "daemon" else Runner
        runner = kind(os.path.abspath(args.podwall), cluster, args.verbose)
        runner.podwalld = os.path.abspath(args.podwalld or os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(args.podwall))),
            "daemon", "podwalld"))
        runner.start()
        for s in scenarios:
            t0 = time.monotonic()
            try:
                failures = runner.run_scenario(s)
            except RuntimeError as e:
                failures = [f"error: {e}"]
            took = time.monotonic() - t0
            status = "ok  " if not failures else "FAIL"
            print(f"{status} [{args.topology}, {args.via}] {s['name']} ({took:.1f} s)",
                  flush=True)
            if failures:
                failed.append(s["name"])
                for f in failures:
                    print(f, flush=True)
    finally:
        if runner:
            runner.stop()
        run(in_ns(cluster.node, os.path.abspath(args.podwall), "uninstall"), check=False)
        cluster.cleanup()
    print(f"\n[{args.topology}, via {args.via}] {len(scenarios) - len(failed)}/{len(scenarios)} scenarios "
          f"passed in {time.monotonic() - started:.0f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
