#!/usr/bin/python3
"""A hostile pod against its neighbours, on pods made by the real CNI plugin.

    attack_test.py PODWALL PODWALLD bridge|ptp

The e2e suite's nine pods (tests/e2e/run_e2e.py) behind podwalld, with two
policies: x/b accepts only x/c, and y/b may send nothing. x/a is the
attacker: root in its pod with raw sockets. Each attack is sent as real
frames from x/a's eth0 (tests/support/rawframes.py); x/b's eth0 and an open
pod's (y/a, selected by no policy) are captured meanwhile. Checks:
  - class 1/2: no IPv6 link-local, broadcast, multicast, VLAN-tagged or
    non-IP frame from x/a reaches the isolated x/b (the open y/a, which
    Kubernetes says gets everything, does get the broadcasts and multicasts:
    the frames were sent); the egress-isolated y/b sends none to y/a;
  - class 3: an ARP with x/b's address as sender, or an advertisement for
    x/b's IPv6 address, does not move the node's or y/a's neighbour entry
    to x/a's MAC; router advertisements and redirects from x/a reach no one;
  - spoofing the allowed peer's address (x/c's) does not reach x/b;
  - y/c, guarded by a ClusterNetworkPolicy alone (Accept x/c, Deny the
    rest), receives none of the broadcasts, multicasts or spoofed frames;
  - class 4: with a tc ingress redirect to an IFB device on x/a's veth (as
    the CNI bandwidth plugin makes), x/a's spoofed packets (and ARP, when
    bridged) skip its netdev guard and are dropped by the guard after tc;
  - class 9: with br_netfilter's knobs off in the node's namespace before
    it starts, podwalld turns them on (bridge) and reports no problem;
  - what is legitimate still works: x/c reaches x/b over IPv4 and IPv6 with
    ARP and neighbour discovery done afresh, the node reaches every pod,
    x/a is still denied by policy.
Everything it made is removed at exit. Exit status 0 when all checks pass.
"""

import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import run_e2e as e2e  # noqa: E402
import frames as fr  # noqa: E402

RAW = os.path.join(ROOT, "tests", "support", "rawframes.py")

POLICIES = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-from-c, namespace: x}
spec:
  podSelector: {matchLabels: {pod: b}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: c}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-sends-nothing, namespace: y}
spec:
  podSelector: {matchLabels: {pod: b}}
  policyTypes: [Egress]
---
# y/c is guarded by a ClusterNetworkPolicy alone (no NetworkPolicy selects
# it): only x/c is accepted, everything else denied.
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: c-guard}
spec:
  tier: Admin
  priority: 1
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}
      podSelector: {matchLabels: {pod: c}}
  ingress:
  - {name: from-x-c, action: Accept, from: [{pods: {
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}},
      podSelector: {matchLabels: {pod: c}}}}]}
  - {name: rest, action: Deny, from: [{namespaces: {}}]}
"""

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def ns_json(ns, *args):
    return json.loads(e2e.run(e2e.in_ns(ns, "ip", "-j", *args)).stdout or "[]")


class Pod:
    """Addresses of one pod's eth0, as the attacker would learn them."""

    def __init__(self, cluster, name):
        self.name = name
        self.ns = cluster.pod_ns(name)
        self.v4, self.v6 = cluster.ips[name]
        link = ns_json(self.ns, "link", "show", "eth0")[0]
        self.mac = link["address"]
        addrs = ns_json(self.ns, "addr", "show", "dev", "eth0")[0]["addr_info"]
        self.ll = next(a["local"] for a in addrs
                       if a["family"] == "inet6" and a["scope"] == "link")


def capture(pods, seconds, send):
    """Frames each pod in `pods` received while send() ran."""
    procs = {}
    for p in pods:
        procs[p.name] = subprocess.Popen(
            e2e.in_ns(p.ns, "/usr/bin/python3", RAW, "capture", "eth0", str(seconds)),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for proc in procs.values():
        proc.stderr.readline()  # "ready": the socket is bound.
    send()
    return {name: json.loads(proc.communicate()[0]) for name, proc in procs.items()}


def send_frames(pod, frames):
    e2e.run(e2e.in_ns(pod.ns, "/usr/bin/python3", RAW, "send", "eth0"),
            input=json.dumps([f.hex() for f in frames]))


def seen(captured, marker):
    return any(marker.encode().hex() in f for f in captured)


def neighbour_mac(ns, address, dev=None):
    args = ["neigh", "show", "to", address] + (["dev", dev] if dev else [])
    return [n.get("lladdr") for n in ns_json(ns, *args)]


def gateway_mac(pod, gateway):
    for n in ns_json(pod.ns, "neigh", "show", "to", gateway, "dev", "eth0"):
        if n.get("lladdr"):
            return n["lladdr"]
    return "ff:ff:ff:ff:ff:ff"


def host_veth(cluster, pod):
    """The node's end of the pod's eth0."""
    peer = ns_json(pod.ns, "link", "show", "eth0")[0]["link_index"]
    return next(link["ifname"] for link in ns_json(cluster.node, "link", "show")
                if link["ifindex"] == peer)


def dropped_in(cluster, family, comment):
    """Packets counted by podwall's rules with `comment` in table `family`."""
    text = e2e.run(e2e.in_ns(cluster.node, "nft", "list", "table", family, "podwall"),
                   check=False).stdout
    return sum(int(m) for line in text.splitlines() if f'"{comment}"' in line
               for m in re.findall(r"packets (\d+)", line))


def main():
    podwall, podwalld, topology = sys.argv[1:4]
    cluster = e2e.Cluster(topology, f"pwx{os.getpid() % 100000}{topology[0]}")
    runner = None
    try:
        cluster.setup()
        knobs = ("net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables")
        if topology == "bridge":
            # Class 9: br_netfilter's knobs off would let bridged pods bypass
            # every rule; podwalld turns them on in its namespace.
            for knob in knobs:
                e2e.run(e2e.in_ns(cluster.node, "sysctl", "-qw", f"{knob}=0"))
        runner = e2e.DaemonRunner(podwall, cluster, False)
        runner.podwalld = podwalld
        runner.start()
        runner.apply(e2e.cluster_manifests(cluster, {}, {}, {}) + "---\n" + POLICIES)
        runner.wait(lambda s: s["counts"]["guarded_interfaces"] == 9, "guarding", 10)
        if topology == "bridge":
            values = [e2e.run(e2e.in_ns(cluster.node, "sysctl", "-n", k)).stdout.strip()
                      for k in knobs]
            check(values == ["1", "1"],
                  f"[{topology}] podwalld turned bridge-nf-call-iptables/ip6tables on ({values})")
        check(runner.status()["enforcement_problems"] == [],
              f"[{topology}] status reports no enforcement problem")
        a, b, c = (Pod(cluster, p) for p in ("x/a", "x/b", "x/c"))
        o, e = Pod(cluster, "y/a"), Pod(cluster, "y/b")
        bridged = topology == "bridge"
        gw4 = f"{cluster.net4}.1"
        # Where a unicast frame to x/b goes: x/b's MAC on a bridge, the
        # node's end of the veth when routed.
        to_b = b.mac if bridged else gateway_mac(a, gw4)
        bcast = "ff:ff:ff:ff:ff:ff"

        # --- classes 1 and 2: what no policy can attribute ------------------
        attacks = [
            ("udp6 link-local to link-local",
             fr.udp6_frame(to_b, a.mac, a.ll, b.ll, b"PW-LL-LL"), False),
            ("udp6 global source to link-local",
             fr.udp6_frame(to_b, a.mac, a.v6, b.ll, b"PW-G-LL"), False),
            ("tcp6 SYN link-local to link-local port 80",
             fr.tcp6_syn_frame(to_b, a.mac, a.ll, b.ll, 80), False),
            ("udp4 to the subnet broadcast",
             fr.udp4_frame(bcast, a.mac, a.v4, f"{cluster.net4}.255", b"PW-SUBNET-BC"), True),
            ("udp4 to 255.255.255.255",
             fr.udp4_frame(bcast, a.mac, a.v4, "255.255.255.255", b"PW-LIMITED-BC"), True),
            ("udp4 to 224.0.0.251",
             fr.udp4_frame("01:00:5e:00:00:fb", a.mac, a.v4, "224.0.0.251", b"PW-MC4"), True),
            ("udp6 to ff02::1 from a global source",
             fr.udp6_frame("33:33:00:00:00:01", a.mac, a.v6, "ff02::1", b"PW-MC6-G"), True),
            ("udp6 to ff02::1 from a link-local source",
             fr.udp6_frame("33:33:00:00:00:01", a.mac, a.ll, "ff02::1", b"PW-MC6-LL"), False),
            ("udp4 to x/b's address in a broadcast frame",
             fr.udp4_frame(bcast, a.mac, a.v4, b.v4, b"PW-UC-IN-BC"), False),
            ("VLAN-tagged udp4 to x/b",
             fr.vlan_udp4_frame(to_b, a.mac, a.v4, b.v4, b"PW-VLAN"), False),
            ("802.1ad (QinQ) tagged udp4 to x/b",
             fr.qinq_udp4_frame(to_b, a.mac, a.v4, b.v4, b"PW-QINQ"), False),
            ("raw ethertype 0x88b5 to x/b",
             fr.raw_frame(to_b, a.mac, 0x88b5, b"PW-RAW-ETHERTYPE" + bytes(30)), False),
            ("udp4 spoofing the allowed peer x/c",
             fr.udp4_frame(to_b, a.mac, c.v4, b.v4, b"PW-SPOOF-C4"), False),
            ("udp6 spoofing the allowed peer x/c",
             fr.udp6_frame(to_b, a.mac, c.v6, b.v6, b"PW-SPOOF-C6"), False),
        ]
        # y/c, isolated only by a ClusterNetworkPolicy Deny, gets the same
        # protection: the broadcasts and multicasts above, and x/c's
        # address spoofed towards it.
        g = Pod(cluster, "y/c")
        to_g = g.mac if bridged else to_b
        attacks += [
            ("udp4 spoofing x/c to CNP-guarded y/c",
             fr.udp4_frame(to_g, a.mac, c.v4, g.v4, b"PW-SPOOF-CNP4"), False),
            ("udp6 spoofing x/c to CNP-guarded y/c",
             fr.udp6_frame(to_g, a.mac, c.v6, g.v6, b"PW-SPOOF-CNP6"), False),
        ]
        got = capture([b, o, g], 2.0, lambda: send_frames(a, [f for _, f, _ in attacks]))
        for what, frame, control in attacks:
            # The datagram's text, or the TCP header, identifies the frame.
            marker = frame[frame.index(b"PW-"):] if b"PW-" in frame else frame[-20:]
            check(not any(marker.hex() in f for f in got[b.name]),
                  f"[{topology}] {what}: not received by isolated x/b")
            check(not any(marker.hex() in f for f in got[g.name]),
                  f"[{topology}] {what}: not received by CNP-guarded y/c")
            if control and bridged:
                check(any(marker.hex() in f for f in got[o.name]),
                      f"[{topology}] {what}: received by open y/a (the frame was sent)")

        # The egress-isolated y/b sends no broadcast or multicast.
        egress = [fr.udp4_frame(bcast, e.mac, e.v4, "255.255.255.255", b"PW-E-BC"),
                  fr.udp6_frame("33:33:00:00:00:01", e.mac, e.v6, "ff02::1", b"PW-E-MC6")]
        got = capture([o], 1.5, lambda: send_frames(e, egress))
        for marker in ("PW-E-BC", "PW-E-MC6"):
            check(not seen(got[o.name], marker),
                  f"[{topology}] {marker}: egress-isolated y/b's broadcast/multicast not received")

        # --- class 3: ARP, ND, router advertisements and redirects ----------
        before_node4 = neighbour_mac(cluster.node, b.v4)
        before_node6 = neighbour_mac(cluster.node, b.v6)
        poison = [
            # "x/b is at a's MAC", asked of the node (gateway) and of y/a.
            fr.arp_frame(bcast, a.mac, 1, a.mac, b.v4, "00:00:00:00:00:00", gw4),
            # Gratuitous: "x/b's address is at a's MAC", which overrides.
            fr.arp_frame(bcast, a.mac, 1, a.mac, b.v4, "00:00:00:00:00:00", b.v4),
            fr.arp_frame(o.mac if bridged else to_b, a.mac, 2, a.mac, b.v4, o.mac, o.v4),
            fr.neighbor_advert_frame(a.mac, a.ll, b.v6, a.mac),
            fr.neighbor_advert_frame(a.mac, a.v6, b.v6, a.mac),
            # Cut in two fragments, the target in the second (RFC 6980:
            # nodes ignore fragmented ND; the checks below see to it).
            *fr.fragmented_neighbor_advert_frames(a.mac, a.ll, b.v6, a.mac),
            fr.router_advert_frame(a.mac, a.ll, "2001:db8:66::"),
            fr.router_advert_frame(a.mac, a.ll, "2001:db8:67::", hop_by_hop=True),
            fr.redirect_frame(o.mac if bridged else to_b, a.mac, a.ll, o.ll, a.ll, c.v6),
        ]
        got = capture([o], 1.5, lambda: send_frames(a, poison))
        node4 = neighbour_mac(cluster.node, b.v4)
        node6 = neighbour_mac(cluster.node, b.v6)
        check(a.mac not in node4,
              f"[{topology}] ARP with x/b's address as sender: node's entry stays "
              f"(before {before_node4}, after {node4})")
        check(a.mac not in node6,
              f"[{topology}] advertisement for x/b's IPv6 address: node's entry stays "
              f"(before {before_node6}, after {node6})")
        check(a.mac not in neighbour_mac(o.ns, b.v4),
              f"[{topology}] ARP reply claiming x/b's address: y/a's entry not poisoned")
        types = fr.icmpv6_types_from(got[o.name], a.mac)
        check(134 not in types, f"[{topology}] router advertisement from x/a not received")
        check(137 not in types, f"[{topology}] redirect from x/a not received")
        routes = e2e.run(e2e.in_ns(o.ns, "ip", "-6", "route")).stdout
        check("2001:db8:66" not in routes and "2001:db8:67" not in routes
              and "default" not in routes,
              f"[{topology}] y/a took no route from x/a's advertisements "
              f"(plain, and behind a hop-by-hop header)")
        kinds = ("spoofed ARP from x/a", "spoofed neighbour advertisement from x/a",
                 "router advertisement from x/a", "redirect from x/a")
        counts = {c: dropped_in(cluster, "netdev", c) for c in kinds}
        check(all(n > 0 for n in counts.values()),
              f"[{topology}] x/a's guard dropped and counted each kind: {counts}")

        # The node's own router advertisement still reaches an isolated pod
        # (only pods' are dropped, at their guards).
        if bridged:
            br = f"{cluster.tag}br"
            br_mac = ns_json(cluster.node, "link", "show", br)[0]["address"]
            br_ll = next(x["local"] for x in
                         ns_json(cluster.node, "addr", "show", "dev", br)[0]["addr_info"]
                         if x["family"] == "inet6" and x["scope"] == "link")
            node_ra = fr.router_advert_frame(br_mac, br_ll, "2001:db8:77::")

            def send_node_ra():
                e2e.run(e2e.in_ns(cluster.node, "/usr/bin/python3", RAW, "send", br),
                        input=json.dumps([node_ra.hex()]))
            got = capture([b], 1.0, send_node_ra)
            check(134 in fr.icmpv6_types_from(got[b.name], br_mac),
                  f"[{topology}] the node's router advertisement reaches isolated x/b")

        # --- class 4: a tc ingress redirect on x/a's veth --------------------
        # What the CNI bandwidth plugin installs for a pod's egress limit:
        # every frame from x/a goes to an IFB device and comes back to the
        # veth with the netdev ingress hook (x/a's guard) skipped. The guard
        # after tc (tables bridge and inet) still drops x/a's spoofing.
        veth = host_veth(cluster, a)
        ifb = f"{cluster.tag}ifb"[-15:]
        for cmd in (["ip", "link", "add", ifb, "type", "ifb"],
                    ["ip", "link", "set", ifb, "up"],
                    ["tc", "qdisc", "add", "dev", veth, "ingress"],
                    ["tc", "filter", "add", "dev", veth, "parent", "ffff:", "protocol", "all",
                     "u32", "match", "u32", "0", "0",
                     "action", "mirred", "egress", "redirect", "dev", ifb]):
            e2e.run(e2e.in_ns(cluster.node, *cmd))
        spoof = "spoofed source from x/a"
        netdev_before = dropped_in(cluster, "netdev", spoof)
        redirected = [fr.udp4_frame(to_b, a.mac, c.v4, b.v4, b"PW-TC-SPOOF-C4"),
                      fr.udp6_frame(to_b, a.mac, c.v6, b.v6, b"PW-TC-SPOOF-C6")]
        if bridged:
            # Routed pods' ARP concerns only their own veth: the node routes
            # to each pod over its own.
            redirected.append(fr.arp_frame(bcast, a.mac, 1, a.mac, b.v4,
                                           "00:00:00:00:00:00", b.v4))
        got = capture([b, o], 1.5, lambda: send_frames(a, redirected))
        ifb_packets = int(ns_json(cluster.node, "-s", "link", "show", ifb)[0]
                          ["stats64"]["tx"]["packets"])
        check(ifb_packets >= 2 and dropped_in(cluster, "netdev", spoof) == netdev_before,
              f"[{topology}] tc redirected x/a's frames through {ifb} ({ifb_packets} packets) "
              f"past its netdev guard")
        for marker in ("PW-TC-SPOOF-C4", "PW-TC-SPOOF-C6"):
            check(not seen(got[b.name], marker),
                  f"[{topology}] {marker}: spoofing x/c past tc not received by x/b")
        after_tc = sum(dropped_in(cluster, t, spoof) for t in ("bridge", "inet"))
        check(after_tc >= 2, f"[{topology}] the guard after tc dropped and counted them ({after_tc})")
        if bridged:
            check(a.mac not in neighbour_mac(cluster.node, b.v4)
                  and a.mac not in neighbour_mac(o.ns, b.v4),
                  f"[{topology}] ARP with x/b's address past tc poisons no neighbour entry")
            check(dropped_in(cluster, "bridge", "spoofed ARP from x/a") > 0,
                  f"[{topology}] the bridge table's guard dropped the ARP")
        ok = cluster.probe_from("x/a", [{"id": "o", "proto": "tcp", "host": o.v4,
                                          "port": 80, "timeout": 3.0}])
        check(ok["o"], f"[{topology}] x/a's own traffic still flows through the redirect")
        e2e.run(e2e.in_ns(cluster.node, "tc", "qdisc", "del", "dev", veth, "ingress"))
        e2e.run(e2e.in_ns(cluster.node, "ip", "link", "del", ifb))

        # --- what is legitimate still works ---------------------------------
        for ns in (c.ns, b.ns, cluster.node):
            e2e.run(e2e.in_ns(ns, "ip", "neigh", "flush", "all"), check=False)
        e2e.run(e2e.in_ns(cluster.node, "conntrack", "-F"), check=False)
        specs = [{"id": f"{fam}", "proto": "tcp", "host": addr, "port": 80, "timeout": 3.0}
                 for fam, addr in (("4", b.v4), ("6", b.v6))]
        ok = cluster.probe_from("x/c", specs)
        check(ok["4"] and ok["6"],
              f"[{topology}] x/c reaches x/b over IPv4 and IPv6 with ARP and ND afresh ({ok})")
        denied = cluster.probe_from("x/a", [dict(s, timeout=0.6) for s in specs])
        check(not denied["4"] and not denied["6"], f"[{topology}] x/a still denied by policy")
        to_g = [{"id": f"{fam}", "proto": "tcp", "host": addr, "port": 80, "timeout": 3.0}
                for fam, addr in (("4", g.v4), ("6", g.v6))]
        ok = cluster.probe_from("x/c", to_g)
        check(ok["4"] and ok["6"], f"[{topology}] x/c reaches CNP-guarded y/c ({ok})")
        denied = cluster.probe_from("x/a", [dict(s, timeout=0.6) for s in to_g])
        check(not denied["4"] and not denied["6"],
              f"[{topology}] x/a denied by the ClusterNetworkPolicy")
        cluster.wait_ready()
        check(True, f"[{topology}] the node reaches every pod over IPv4 and IPv6")
    except Exception as ex:  # Report, then clean up.
        failures.append(f"error: {ex!r}")
        print(f"FAIL error: {ex!r}", flush=True)
    finally:
        if runner:
            runner.stop()
        if failures and os.path.exists(os.path.join(cluster.work, "podwalld.log")):
            with open(os.path.join(cluster.work, "podwalld.log")) as f:
                print("--- podwalld log ---\n" + f.read()[-4000:])
        e2e.run(e2e.in_ns(cluster.node, podwall, "uninstall"), check=False)
        cluster.cleanup()
    print(f"\n{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
