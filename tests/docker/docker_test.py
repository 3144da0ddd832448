#!/usr/bin/python3
"""podwalld --docker on a real Docker engine.

    docker_test.py PODWALL PODWALLD

A private dockerd runs in a network namespace the test makes (its own
socket, data and exec roots; its bridge, iptables rules and containers stay
inside that namespace), so the machine's own dockerd and ruleset are never
touched, and the test may restart its engine at will. The image is
busybox-static imported as podwall-test/busybox:1; containers serve TCP
echo on their ports with busybox nc. Probes run the test's netprobe.py from
inside a container's network namespace (nsenter), from the node namespace,
or from an "external" namespace routed to the node.

Checked: default deny and allow by label and port, Compose projects as
namespaces (with a Namespace manifest's labels), the host reaching every
container, a published port subject to the container's ingress policy, a
container restarted with a new address, a container started while podwalld
runs isolated before it answers, dockerd restarted, podwalld restarted,
flow records naming containers. Everything made is removed at the end.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORT = os.path.join(os.path.dirname(HERE), "support")
PROBE = os.path.join(SUPPORT, "netprobe.py")
sys.path.insert(0, SUPPORT)
from checks import check, failures, summary  # noqa: E402
import podwalld_control  # noqa: E402
DOCKER = "/usr/bin/docker"
IMAGE = "podwall-test/busybox:1"
# Every container serves TCP echo on 80 and 5432.
SERVE = ["sh", "-c", "nc -ll -p 80 -e cat & nc -ll -p 5432 -e cat & wait"]

def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


POLICIES = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
# default/web: from app=client, and from the shop team's api, on 80 only.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-allow, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: client}}
    - namespaceSelector: {matchLabels: {team: shop}}
      podSelector: {matchLabels: {app: api}}
    ports: [{port: 80}]
---
# The Compose project "shop": nothing in, but db from api on db's named port.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{port: pg}]
"""

EXTERNAL_ALLOWED = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-outside, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{ipBlock: {cidr: 10.250.0.2/32}}]
    ports: [{port: 80}]
"""


class Host:
    """A node namespace with its own dockerd, and an external namespace
    routed to it (10.250.0.2 -> 10.250.0.1)."""

    def __init__(self, tag):
        self.ns = f"pwdk{tag}"
        self.ext = f"pwdx{tag}"
        # Short: containerd's socket path lives under the exec root.
        self.work = tempfile.mkdtemp(prefix=f"pwdk{tag}-", dir="/tmp")
        self.sock = os.path.join(self.work, "docker.sock")
        self.env = dict(os.environ, DOCKER_HOST=f"unix://{self.sock}")
        self.dockerd = None
        self.manifests = os.path.join(self.work, "policies")
        os.makedirs(self.manifests)

    def setup(self):
        run(["ip", "netns", "add", self.ns])
        run(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        run(["ip", "netns", "add", self.ext])
        run(["ip", "-n", self.ext, "link", "set", "lo", "up"])
        run(["ip", "link", "add", "pwext0", "netns", self.ns, "type", "veth",
             "peer", "name", "eth0", "netns", self.ext])
        run(["ip", "-n", self.ns, "addr", "add", "10.250.0.1/24", "dev", "pwext0"])
        run(["ip", "-n", self.ns, "link", "set", "pwext0", "up"])
        run(["ip", "-n", self.ext, "addr", "add", "10.250.0.2/24", "dev", "eth0"])
        run(["ip", "-n", self.ext, "link", "set", "eth0", "up"])
        run(["ip", "-n", self.ext, "route", "add", "default", "via", "10.250.0.1"])
        self.start_dockerd()
        tree = os.path.join(self.work, "rootfs")
        os.makedirs(os.path.join(tree, "bin"))
        shutil.copy("/bin/busybox", os.path.join(tree, "bin", "busybox"))
        for tool in ("sh", "nc", "cat", "sleep"):
            os.symlink("busybox", os.path.join(tree, "bin", tool))
        tar = subprocess.Popen(["tar", "-C", tree, "-c", "."], stdout=subprocess.PIPE)
        run([DOCKER, "import", "-", IMAGE], stdin=tar.stdout, env=self.env)
        tar.wait()

    def start_dockerd(self):
        # nsenter, not `ip netns exec`: dockerd needs the host's /sys (its
        # cgroups), which `ip netns exec` remounts.
        log = open(os.path.join(self.work, "dockerd.log"), "a")
        self.dockerd = subprocess.Popen(
            ["nsenter", f"--net=/var/run/netns/{self.ns}", "dockerd",
             "--host", f"unix://{self.sock}",
             "--data-root", os.path.join(self.work, "data"),
             "--exec-root", os.path.join(self.work, "x"),
             "--pidfile", os.path.join(self.work, "docker.pid")],
            stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while run([DOCKER, "info"], check=False, env=self.env).returncode != 0:
            if self.dockerd.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dockerd did not start; see dockerd.log")
            time.sleep(0.2)

    def stop_dockerd(self):
        if self.dockerd and self.dockerd.poll() is None:
            self.dockerd.send_signal(signal.SIGTERM)
            try:
                self.dockerd.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.dockerd.kill()
                self.dockerd.wait()

    def docker(self, *args, check=True):
        return run([DOCKER, *args], check=check, env=self.env)

    def container(self, name, labels, *extra):
        args = ["run", "-d", "--name", name, "--restart", "always"]
        for k, v in labels.items():
            args += ["-l", f"{k}={v}"]
        self.docker(*args, *extra, IMAGE, *SERVE)

    def inspect(self, name):
        return json.loads(self.docker("inspect", name).stdout)[0]

    def ip(self, name):
        nets = self.inspect(name)["NetworkSettings"]["Networks"]
        return next(n["IPAddress"] for n in nets.values() if n["IPAddress"])

    def probe(self, src, dst_ip, port=80, timeout=0.8):
        """TCP echo from container `src` (or "node"/"external")."""
        if src == "node":
            prefix = ["ip", "netns", "exec", self.ns]
        elif src == "external":
            prefix = ["ip", "netns", "exec", self.ext]
        else:
            pid = self.inspect(src)["State"]["Pid"]
            prefix = ["nsenter", f"--net=/proc/{pid}/ns/net"]
        r = run([*prefix, "/usr/bin/python3", PROBE, "probe", "tcp", dst_ip, str(port),
                 str(timeout)], check=False)
        return r.returncode == 0

    def flush_conntrack(self):
        run(["ip", "netns", "exec", self.ns, "conntrack", "-F"], check=False)

    def cleanup(self):
        try:
            if self.dockerd and self.dockerd.poll() is None:
                ids = self.docker("ps", "-aq", check=False).stdout.split()
                if ids:
                    self.docker("rm", "-f", *ids, check=False)
            self.stop_dockerd()
        finally:
            # Mounts dockerd may have left (container roots, netns files).
            with open("/proc/mounts") as f:
                stale = [line.split()[1] for line in f if self.work in line.split()[1]]
            for m in sorted(stale, reverse=True):
                run(["umount", "-l", m], check=False)
            run(["ip", "netns", "del", self.ext], check=False)
            run(["ip", "netns", "del", self.ns], check=False)
            shutil.rmtree(self.work, ignore_errors=True)


class Podwalld:
    def __init__(self, host, podwall, podwalld):
        self.host = host
        self.podwall = podwall
        self.podwalld = podwalld
        self.socket = os.path.join(host.work, "podwall.sock")
        self.proc = None

    def start(self):
        log = open(os.path.join(self.host.work, "podwalld.log"), "a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.host.ns, self.podwalld, "--node-name", "dockerhost",
             f"--docker={self.host.sock}", "--manifests", self.host.manifests,
             "--socket", self.socket, "--metrics-address", "127.0.0.1:0"],
            stdout=log, stderr=log)
        return self.wait(lambda s: s["ready"] and s["synced"], "ready", 20)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def status(self):
        return podwalld_control.status(self.socket)

    def wait(self, done, what, timeout=10):
        return podwalld_control.wait(self.proc, self.socket, done, what, timeout)

    def wait_pods(self, n):
        return self.wait(lambda s: s["synced"] and s["counts"]["pods"] == n,
                         f"at {n} pods", 15)

    def flows(self, *args):
        r = run(["ip", "netns", "exec", self.host.ns, self.podwall, "flows", "--socket",
                 self.socket, "-o", "json", *args], check=False)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def iso_seconds(text):
    """RFC 3339 with up to nanoseconds, UTC -> seconds since the epoch."""
    import calendar
    base, _, frac = text.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


def first_sync_with(host, after, endpoints):
    """When podwalld's log first says it synced `endpoints` endpoints,
    after `after` (seconds since the epoch); None if it never did."""
    with open(os.path.join(host.work, "podwalld.log")) as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if fields.get("msg") != "synced" or fields.get("endpoints") != str(endpoints):
                continue
            t = iso_seconds(fields["time"])
            if t > after:
                return t
    return None


def write_policies(host, text, name="policies.yaml"):
    tmp = os.path.join(host.work, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(host.manifests, name))


def main():
    podwall, podwalld = sys.argv[1:3]
    host = Host(os.getpid() % 100000)
    daemon = Podwalld(host, podwall, podwalld)
    try:
        host.setup()
        host.container("web", {"app": "web"}, "-p", "8080:80")
        host.container("client", {"app": "client"})
        host.container("other", {"app": "other"})
        host.container("shop_db_1", {"com.docker.compose.project": "shop", "app": "db",
                                     "io.podwall.port.pg": "5432"})
        host.container("shop_api_1", {"com.docker.compose.project": "shop", "app": "api"})
        host.container("hostnet", {"app": "web"}, "--network", "host")
        # A user-defined network too, where addresses can be chosen.
        host.docker("network", "create", "--subnet", "10.251.0.0/24", "pwnet")
        for name in ("client", "other"):
            host.docker("network", "connect", "pwnet", name)
        write_policies(host, POLICIES)
        s = daemon.start()
        check(s["counts"]["pods"] == 5 and s["counts"]["namespaces"] >= 2
              and s["sources"][0]["name"] == "docker" and s["sources"][0]["ok"],
              f"five containers as pods (not the host-network one): {s['counts']}")
        check(s["guarded_networks"] == ["10.251.0.0/24", "172.17.0.0/16"],
              f"the bridge networks are guarded: {s['guarded_networks']}")

        def matrix(what, web_ip=None):
            web = web_ip or host.ip("web")
            db = host.ip("shop_db_1")
            host.flush_conntrack()
            got = {
                "client->web:80": host.probe("client", web),
                "other->web:80": host.probe("other", web),
                "client->web:5432": host.probe("client", web, 5432),
                "shop_api_1->web:80": host.probe("shop_api_1", web),
                "shop_api_1->db:5432": host.probe("shop_api_1", db, 5432),
                "client->db:5432": host.probe("client", db, 5432),
                "shop_api_1->db:80": host.probe("shop_api_1", db, 80),
                "node->web:80": host.probe("node", web),
                "node->db:80": host.probe("node", db),
                "web->other:80": host.probe("web", host.ip("other")),
            }
            want = {
                "client->web:80": True, "other->web:80": False,
                "client->web:5432": False, "shop_api_1->web:80": True,
                "shop_api_1->db:5432": True, "client->db:5432": False,
                "shop_api_1->db:80": False, "node->web:80": True, "node->db:80": True,
                "web->other:80": True,
            }
            wrong = {k: v for k, v in got.items() if v != want[k]}
            check(not wrong, f"{what}: every verdict as the policies say"
                  + (f"; wrong: {wrong}" if wrong else ""))

        matrix("label and port policies, Compose namespace, host always allowed")

        # An image that labels itself into shop as its api (LABEL in the
        # image, none on the container) gets no identity from that: its
        # container is in "default", and shop's db stays closed to it.
        host.docker("commit", "-c", "LABEL com.docker.compose.project=shop app=api",
                    "client", "podwall-test/impostor:1")
        host.docker("run", "-d", "--name", "impostor", "podwall-test/impostor:1", *SERVE)
        daemon.wait_pods(6)
        host.flush_conntrack()
        check(not host.probe("impostor", host.ip("shop_db_1"), 5432),
              "labels baked into an image give its container no identity (impostor -> db)")
        st = daemon.status()
        check(not any("impostor" in w for src in st["sources"] for w in src.get("warnings", [])),
              "the impostor is an endpoint in default, not a rejected container")
        host.docker("rm", "-f", "impostor")
        host.docker("rmi", "podwall-test/impostor:1")
        daemon.wait_pods(5)

        # Anti-spoofing: every container's veth is guarded from the start
        # (found from the address on its peer, before any traffic), so a
        # packet from `other` with an address that is not its own is dropped.
        check(s["counts"]["guarded_interfaces"] == 7,
              f"every veth of every container is guarded at once (5 + 2 on pwnet: "
              f"{s['counts']['guarded_interfaces']})")
        other_pid = host.inspect("other")["State"]["Pid"]
        in_other = ["nsenter", f"--net=/proc/{other_pid}/ns/net"]
        run([*in_other, "ip", "addr", "add", "172.17.0.250/32", "dev", "eth0"])
        host.flush_conntrack()
        client = host.ip("client")
        spoofed = run([*in_other, "/usr/bin/python3", PROBE, "probe", "tcp", client, "80",
                       "0.8", "172.17.0.250"], check=False).returncode == 0
        run([*in_other, "ip", "addr", "del", "172.17.0.250/32", "dev", "eth0"])
        # The spoofed attempt left an ARP resolution whose requests carry the
        # spoofed sender, which the guard drops too: start afresh.
        run([*in_other, "ip", "neigh", "flush", "all"], check=False)
        check(not spoofed and host.probe("other", client, timeout=3),
              f"a spoofed source from other is dropped ({not spoofed}); its own address passes")

        # A published port: DNAT from the node's address, then the target's
        # ingress policy decides.
        host.flush_conntrack()
        check(not host.probe("external", "10.250.0.1", 8080),
              "published port 8080 from outside: denied by web's ingress policy")
        write_policies(host, EXTERNAL_ALLOWED, "external.yaml")
        daemon.wait(lambda s: s["counts"]["policies"] == 4 and s["synced"], "4 policies")
        host.flush_conntrack()
        check(host.probe("external", "10.250.0.1", 8080),
              "published port 8080 from outside: allowed once an ipBlock admits it")
        os.unlink(os.path.join(host.manifests, "external.yaml"))
        daemon.wait(lambda s: s["counts"]["policies"] == 3 and s["synced"], "3 policies")

        # Flow records name containers as pods and the policy that isolates.
        denied = daemon.flows("--verdict", "deny", "--pod", "default/web")
        check(any(r["dst"].get("pod") == "web" and r["src"].get("pod") == "other"
                  for r in denied),
              f"a denial other -> web is in the flow log ({len(denied)} denials for web)")

        # The operator tools on a Docker host: trace (the container's
        # namespace found from its veth, the probe sent from inside it),
        # what-if on the recorded matrix, suggest for the Compose project.
        def tool(*args):
            return run(["ip", "netns", "exec", host.ns, daemon.podwall, *args,
                        "--socket", daemon.socket], check=False)
        host.flush_conntrack()
        for src, allowed in (("client", True), ("other", False)):
            r = tool("trace", "--from", f"default/{src}", "--to", "default/web",
                     "--port", "80", "--probe", "-o", "json")
            t = json.loads(r.stdout or "{}")
            check(r.returncode == 0 and t.get("agree") and t["kernel"]["verdict"] ==
                  ("allow" if allowed else "deny"),
                  f"trace {src} -> web: the kernel {'allows' if allowed else 'denies'}, "
                  f"as the model says (exit {r.returncode}, {t.get('kernel')}, probe: "
                  f"{t.get('probe')}, {len(t.get('steps', []))} steps, {r.stderr})")
        proposal = os.path.join(host.work, "web-closed.yaml")
        with open(proposal, "w") as f:
            f.write("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                    "metadata: {name: web-allow, namespace: default}\n"
                    "spec: {podSelector: {matchLabels: {app: web}}, ingress: []}\n")
        r = tool("what-if", "-f", proposal, "-o", "json")
        broken = sorted(b["connection"] for b in json.loads(r.stdout or "{}").get("breaks", []))
        check(r.returncode == 1 and "default/client -> default/web 80/TCP" in broken
              and not any("other" in b for b in broken),
              f"what-if: closing web breaks the recorded client -> web, exit 1 ({broken})")
        r = tool("suggest", "-n", "shop")
        with open(os.path.join(host.work, "suggested.yaml"), "w") as f:
            f.write(r.stdout)
        w = tool("what-if", "-f", os.path.join(host.work, "suggested.yaml"), "-o", "json")
        check(r.returncode == 0 and r.stdout.count("kind: NetworkPolicy") == 2
              and w.returncode == 0,
              f"suggest -n shop: a policy per container, losing nothing recorded "
              f"({r.returncode}, {w.returncode}: {w.stdout.strip()})")

        # Renamed: the pod follows the container's new name (its chains are
        # renamed too: a new generation).
        before = daemon.status()["generation"]
        renamed_at = int(time.time()) - 1
        host.docker("rename", "other", "intruder")
        try:
            daemon.wait(lambda s: s["synced"] and s["generation"] > before
                        and s["counts"]["pods"] == 5, "renamed", 30)
        except RuntimeError:
            # Once seen in CI and never here: say whether the engine sent
            # the event and what it lists, so the next failure tells.
            events = host.docker("events", "--since", str(renamed_at), "--until",
                                 str(int(time.time())), "--format", "{{json .}}",
                                 check=False)
            listed = host.docker("ps", "-a", "--format", "{{.ID}} {{.Names}} {{.State}}",
                                 check=False)
            print(f"engine events since the rename:\n{events.stdout}{events.stderr}\n"
                  f"containers:\n{listed.stdout}", flush=True)
            raise
        host.flush_conntrack()
        check(not host.probe("intruder", host.ip("web")), "renamed: still denied")
        time.sleep(1.5)  # Denials are aggregated per second.
        denied = daemon.flows("--verdict", "deny", "--pod", "default/intruder")
        check(any(r["src"].get("pod") == "intruder" for r in denied),
              f"renamed: flow records name the container by its new name ({len(denied)})")
        host.docker("rename", "intruder", "other")

        # Restarted with a new address: a filler takes the old one first.
        old_ip = host.ip("web")
        host.docker("stop", "-t", "0", "web")
        host.container("filler", {"app": "filler"})
        host.docker("start", "web")
        new_ip = host.ip("web")
        daemon.wait(lambda s: s["synced"] and s["counts"]["pods"] == 6, "6 pods")
        check(new_ip != old_ip, f"web restarted with a new address ({old_ip} -> {new_ip})")
        matrix("after web's restart on a new address", new_ip)

        # Started while podwalld runs: isolated before it answers. Probes
        # start before the container does and keep trying; none may pass.
        prober = subprocess.Popen(
            ["nsenter", f"--net=/proc/{host.inspect('other')['State']['Pid']}/ns/net",
             "/usr/bin/python3", PROBE, "loop", "tcp", "10.251.0.200", "80", "6"],
            stdout=subprocess.PIPE, text=True)
        before = time.time()
        host.container("late", {"app": "web"}, "--network", "pwnet", "--ip", "10.251.0.200")
        loop = json.loads(prober.communicate(timeout=30)[0])
        check(loop["ok"] == 0 and loop["failed"] > 0,
              f"a container started while podwalld runs never answered a denied peer: {loop}")
        daemon.wait(lambda s: s["synced"] and s["counts"]["pods"] == 7, "7 pods")
        # podwalld applied it on the network's connect event: in the kernel
        # before the container's process started.
        started = iso_seconds(host.inspect("late")["State"]["StartedAt"])
        applied = first_sync_with(host, before, endpoints=7)
        check(applied is not None and applied < started,
              f"late's rules were in the kernel before its process started "
              f"({(started - applied) * 1000 if applied else float('nan'):.0f} ms before)")
        host.flush_conntrack()
        check(host.probe("client", "10.251.0.200"), "... and its allowed peer reaches it")

        # dockerd restarted: containers come back (restart=always), maybe on
        # new addresses; podwalld reconnects, resyncs, keeps enforcing.
        host.stop_dockerd()
        s = daemon.wait(lambda s: not s["sources"][0]["ok"], "seeing dockerd gone", 15)
        check(s["sources"][0]["errors"] and s["ready"],
              f"dockerd down shows in status: {s['sources'][0]['errors']}")
        host.start_dockerd()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            running = host.docker("ps", "-q").stdout.split()
            if len(running) >= 8:
                break
            time.sleep(0.3)
        daemon.wait(lambda s: s["sources"][0]["ok"] and s["synced"]
                    and s["counts"]["pods"] == 7, "resynced", 30)
        # The engine's last start events may still be on their way.
        time.sleep(0.5)
        daemon.wait(lambda s: s["synced"], "synced")
        matrix("after dockerd restarted")

        # podwalld restarted: the rules stay meanwhile, the new one adopts.
        # A container started meanwhile, that no policy selects, is not
        # reachable until podwalld knows it: its address is in a guarded
        # network and no known pod holds it.
        daemon.stop()
        host.flush_conntrack()
        check(not host.probe("other", host.ip("web")),
              "podwalld stopped: its rules stay in force (other -> web denied)")
        host.container("unknown", {"app": "free"})
        free_ip = host.ip("unknown")
        host.flush_conntrack()
        check(not host.probe("client", free_ip) and not host.probe("unknown", host.ip("client")),
              f"podwalld stopped: a new container ({free_ip}) can neither be reached nor reach")
        daemon.start()
        matrix("after podwalld restarted")
        host.flush_conntrack()
        check(host.probe("client", free_ip) and host.probe("unknown", host.ip("client")),
              "... and once podwalld knows it, it talks as policy allows (none selects it)")
        daemon.stop()
    except Exception as ex:
        failures.append(f"error: {ex!r}")
        print(f"FAIL error: {ex!r}", flush=True)
    finally:
        daemon.stop()
        log_path = os.path.join(host.work, "podwalld.log")
        if os.path.exists(log_path):
            with open(log_path) as f:
                errors = [line for line in f if "level=error" in line
                          and "docker at" not in line]  # dockerd down: expected.
            check(not errors, f"podwalld logged no error ({len(errors)}: {errors[:2]})")
        if failures:
            for name in ("podwalld.log", "dockerd.log"):
                path = os.path.join(host.work, name)
                if os.path.exists(path):
                    with open(path) as f:
                        print(f"--- {name} ---\n" + f.read()[-12000:])
        run(["ip", "netns", "exec", host.ns, podwall, "uninstall"], check=False)
        host.cleanup()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
