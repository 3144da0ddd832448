#!/usr/bin/python3
"""How many new connections per second podwalld records without loss.

    sudo bench/flow_benchmark.py build/enforcer/cli/podwall build/enforcer/daemon/podwalld

Nine pods made by the real CNI bridge plugin (tests/e2e), podwalld with flow
capture on, and a policy under which x/a accepts x/b. x/b then opens new UDP
"connections" to x/a at a fixed rate for a few seconds: every datagram has a
new (source port, destination port) pair, so each is a new conntrack entry that the allow rule marks
and the daemon must turn into a flow record. The rate doubles until records
go missing; the figure is the highest rate with none lost (target: 20,000/s).
Not a test: it prints figures and one JSON line.
"""

import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "daemon"))
import run_e2e as e2e  # noqa: E402
import daemon_test as dt  # noqa: E402

# Sends `count` UDP datagrams from distinct source ports at `rate` per
# second with a raw socket (the kernel fills in the IP checksum and id).
SENDER = r"""
import socket, struct, sys, time
src, dst, count, rate, first_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 29, 0, 0, 64, 17, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
start = time.monotonic()
sent = 0
batch = 500
while sent < count:
    for i in range(min(batch, count - sent)):
        n = sent + i  # A distinct (source port, destination port) each time.
        s.sendto(ip + struct.pack("!HHHH", first_port + n % 60000,
                                  1000 + n // 60000, 9, 0) + b"x", (dst, 0))
    sent += min(batch, count - sent)
    ahead = sent / rate - (time.monotonic() - start)
    if ahead > 0:
        time.sleep(ahead)
print(f'{{"sent": {sent}, "seconds": {time.monotonic() - start}}}')
"""


def metric(daemon, name, labels):
    text = daemon.metrics()["/metrics"][1]
    pattern = re.escape(name) + r"\{" + re.escape(labels) + r"\} (\S+)"
    m = re.search(pattern, text)
    return float(m.group(1)) if m else 0.0


def main():
    podwall, podwalld = sys.argv[1:3]
    cluster = e2e.Cluster("bridge", f"pwb{os.getpid() % 100000}")
    daemon = None
    results = []
    try:
        cluster.setup()
        # A big conntrack table for the bursts (this namespace's own).
        e2e.run(e2e.in_ns(cluster.node, "sysctl", "-qw",
                          "net.netfilter.nf_conntrack_udp_timeout=5"), check=False)
        daemon = dt.Daemon(podwalld, cluster, ["--flow-ring-size", "1000"])
        daemon.write("cluster.yaml", e2e.cluster_manifests(cluster, {}, {}, {}))
        daemon.write("policy.yaml", dt.POLICY)
        daemon.start()
        src, dst = cluster.ips["x/b"][0], cluster.ips["x/a"][0]
        labels = 'verdict="allow",direction="ingress",state="new"'
        rate = 5000
        best = 0
        while rate <= 160000:
            e2e.run(e2e.in_ns(cluster.node, "conntrack", "-F"), check=False)
            time.sleep(0.5)
            before = metric(daemon, "podwall_flows_total", labels)
            lost_before = metric(daemon, "podwall_flow_records_lost",
                                 'reason="conntrack_overrun"')
            count = int(rate * 3)
            out = subprocess.run(
                e2e.in_ns(cluster.pod_ns("x/b"), "/usr/bin/python3", "-c", SENDER,
                          src, dst, str(count), str(rate), "2000"),
                capture_output=True, text=True, timeout=120)
            sent = json.loads(out.stdout)
            time.sleep(1.0)  # Let the daemon drain.
            got = metric(daemon, "podwall_flows_total", labels) - before
            overruns = metric(daemon, "podwall_flow_records_lost",
                              'reason="conntrack_overrun"') - lost_before
            achieved = sent["sent"] / sent["seconds"]
            results.append({"target_per_s": rate, "sent_per_s": round(achieved),
                            "connections": sent["sent"], "recorded": int(got),
                            "overruns": int(overruns)})
            print(f"{rate:>8}/s target, {achieved:>9.0f}/s sent: {int(got):>7} of "
                  f"{sent['sent']:>7} recorded, {int(overruns)} buffer overruns", flush=True)
            if got < sent["sent"]:
                break
            if achieved < rate * 0.9:
                print("(the sender cannot go faster: the figure is a lower bound)")
                best = max(best, achieved)
                break
            best = achieved
            rate *= 2
        daemon.signal(15)
        daemon = None
    finally:
        if daemon and daemon.proc and daemon.proc.poll() is None:
            daemon.proc.kill()
        e2e.run(e2e.in_ns(cluster.node, podwall, "uninstall"), check=False)
        cluster.cleanup()
    print(f"\nnew connections recorded without loss: {best:.0f}/s (target 20,000/s)")
    print(json.dumps({"flow_records_per_s_lossless": round(best), "steps": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
