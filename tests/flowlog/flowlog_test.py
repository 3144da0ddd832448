#!/usr/bin/python3
"""Flow logs on real pods, through podwalld and `podwall flows`.

    flowlog_test.py PODWALL PODWALLD bridge|ptp

With the e2e suite's nine CNI pods and one policy (x/a accepts x/b only):
  - an allowed TCP connection gives an allow/new record naming the policy
    and rule, and (once conntrack forgets it) an allow/closed record with
    packets, bytes and duration; its source side, which no policy
    isolates, an allow/new egress record with no policy;
  - denied TCP and UDP attempts give deny records naming the isolating
    policies, aggregated per 5-tuple and second;
  - every filter of `podwall flows` narrows the output as it should;
  - `podwall flows --follow` streams a record as it happens;
  - the --flow-log file and the ring hold the same records;
  - 100,000 denied packets: aggregated, the daemon's memory stays bounded,
    and the records plus the reported losses account for every packet the
    kernel's log rule handed over;
  - a ClusterNetworkPolicy's Accept and Deny are recorded with its kind,
    tier and rule name, and `podwall flows --policy NAME` finds them.
"""

import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "daemon"))
import run_e2e as e2e  # noqa: E402
import daemon_test as dt  # noqa: E402

failures = []
check = None


def main():
    global check
    podwall, podwalld, topology = sys.argv[1:4]

    def check_(cond, what):
        print(("ok   " if cond else "FAIL ") + f"[{topology}] " + what, flush=True)
        if not cond:
            failures.append(what)
    check = check_

    cluster = e2e.Cluster(topology, f"pwf{os.getpid() % 100000}{topology[0]}")
    daemon = None
    follower = None
    try:
        cluster.setup()
        flow_file = os.path.join(cluster.work, "flows.jsonl")
        daemon = dt.Daemon(podwalld, cluster, ["--flow-log", flow_file])
        daemon.write("cluster.yaml", e2e.cluster_manifests(cluster, {}, {}, {}))
        daemon.write("policy.yaml", dt.POLICY)
        daemon.start()
        dt.flush_conntrack(cluster)

        def flows(*args):
            r = subprocess.run([podwall, "flows", "--socket", daemon.socket, "-o", "json",
                                *args], capture_output=True, text=True, timeout=10)
            if r.returncode != 0:
                raise RuntimeError(f"podwall flows {args}: {r.stderr}")
            return [json.loads(line) for line in r.stdout.splitlines() if line]

        # --follow, started first: it must see what happens next.
        follower = subprocess.Popen([podwall, "flows", "--socket", daemon.socket, "-f",
                                     "-o", "json", "--verdict", "allow"],
                                    stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)

        a, b, c = (cluster.ips[p][0] for p in ("x/a", "x/b", "x/c"))
        check(dt.reach(cluster, "x/b", "x/a"), "x/b -> x/a allowed")
        check(not dt.reach(cluster, "x/c", "x/a"), "x/c -> x/a denied (TCP)")
        udp = cluster.probe_from("x/c", [{"id": "u", "proto": "udp", "host": a, "port": 81,
                                          "timeout": 0.6}])["u"]
        check(not udp, "x/c -> x/a denied (UDP)")
        time.sleep(1.5)  # Denials are emitted once their second is over.

        new = [f for f in flows("--verdict", "allow") if f["state"] == "new"]
        ing = [f for f in new if f["direction"] == "ingress"]
        egr = [f for f in new if f["direction"] == "egress"]
        check(len(ing) == 1 and ing[0]["policy"] == {
            "kind": "NetworkPolicy", "namespace": "x", "name": "a-from-b",
            "rule": "ingress[0]"} and ing[0]["src"]["pod"] == "b"
            and ing[0]["dst"]["pod"] == "a" and ing[0]["dst"]["port"] == 80
            and ing[0]["proto"] == "TCP",
            f"allowed connection: new record with policy and rule: {new}")
        check(len(new) == 2 and len(egr) == 1 and egr[0]["policy"] is None
              and egr[0]["src"]["pod"] == "b",
              f"its unisolated source side: an egress record with no policy: {egr}")
        denied = flows("--verdict", "deny")
        tcp = [f for f in denied if f["proto"] == "TCP"]
        udp_rec = [f for f in denied if f["proto"] == "UDP"]
        check(len(tcp) == 1 and tcp[0]["src"]["pod"] == "c" and tcp[0]["state"] == "denied"
              and tcp[0]["isolated_by"] == ["x/a-from-b"]
              and tcp[0]["policy"]["name"] == "a-from-b" and tcp[0]["policy"]["rule"] is None,
              f"denied TCP: one record naming the isolating policy: {tcp}")
        check(len(udp_rec) == 1 and udp_rec[0]["dst"]["port"] == 81
              and udp_rec[0]["count"] >= 1,
              f"denied UDP attempts aggregated into one record: {udp_rec}")

        # The connection ends (conntrack forgets it): a closed record.
        dt.flush_conntrack(cluster)
        time.sleep(0.5)
        closed = [f for f in flows("--verdict", "allow") if f["state"] == "closed"]
        check(len(closed) == 1 and closed[0]["packets"] >= 4 and closed[0]["bytes"] > 200
              and closed[0]["policy"]["name"] == "a-from-b",
              f"closed record with packets and bytes: {closed}")

        # Filters.
        everything = flows()
        check(len(everything) == 5, f"5 records in all ({len(everything)})")
        cases = {
            ("--pod", "x/b"): 3, ("--from", "x/c"): 2, ("--to", "x/a"): 5,
            ("--from", "x/"): 5, ("--to", c): 0, ("-n", "y"): 0, ("--port", "81"): 1,
            ("--proto", "udp"): 1, ("--policy", "x/a-from-b"): 4,
            ("--policy", "x/other"): 0, ("--last", "1"): 1, ("--since", "1h"): 5,
            ("--verdict", "deny"): 2,
        }
        for args, want in cases.items():
            got = len(flows(*args))
            check(got == want, f"podwall flows {' '.join(args)}: {got} records, want {want}")
        table = subprocess.run([podwall, "flows", "--socket", daemon.socket],
                               capture_output=True, text=True).stdout
        check(re.search(r"allow\s+in\s+TCP\s+x/b\s+x/a:80\s+x/a-from-b ingress\[0\]\s+new",
                        table) is not None, "table output names pods and the rule")

        # --follow saw the allowed connection's records as they came.
        follower.terminate()
        streamed = [json.loads(line) for line in follower.communicate(timeout=5)[0].splitlines()]
        follower = None
        check([f["state"] for f in streamed] == ["new", "new", "closed"],
              f"--follow streamed the allowed records: {[f['state'] for f in streamed]}")

        # File and ring agree.
        with open(flow_file) as f:
            in_file = [json.loads(line) for line in f]
        check(in_file == everything, f"--flow-log file equals the ring ({len(in_file)} records)")

        # A flood of 100,000 denied packets.
        rss_before = rss(daemon.proc.pid)
        flood = subprocess.run(e2e.in_ns(cluster.pod_ns("x/c"), "/usr/bin/python3", "-c", f"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
for i in range(100000):
    try:
        s.sendto(b"x", ("{a}", 9999))
    except OSError:
        pass
"""), capture_output=True, text=True, timeout=60)
        check(flood.returncode == 0, "sent 100,000 denied UDP packets")
        time.sleep(1.5)
        records = flows("--verdict", "deny", "--port", "9999")
        # Every packet x/a's log rule handed over, earlier denials included.
        total = sum(f["count"] for f in flows("--verdict", "deny", "--to", "x/a"))
        chain = e2e.run(e2e.in_ns(cluster.node, "nft", "list", "chain", "inet", "podwall",
                                  "in_x/a")).stdout
        logged = int(re.search(r"limit rate \d+/second burst \d+ packets counter packets (\d+)",
                               chain).group(1))
        dropped = int(re.search(r"counter packets (\d+) bytes \d+ drop", chain).group(1))
        metrics = daemon.metrics()["/metrics"][1]
        lost = sum(float(v) for v in re.findall(
            r'podwall_flow_records_lost\{reason="(?:nflog_overrun|denial_cap)"\} (\S+)',
            metrics))
        check(dropped >= 100000, f"kernel dropped the flood ({dropped} packets)")
        check(len(records) <= 10,
              f"flood aggregated per 5-tuple and second: {len(records)} records")
        check(total == logged or (total < logged and lost > 0),
              f"records ({total} packets) account for what the log rule handed over "
              f"({logged}), losses reported: {lost}")
        rss_after = rss(daemon.proc.pid)
        check(rss_after - rss_before < 30 * 1024,
              f"daemon memory bounded through the flood ({rss_before} -> {rss_after} kB)")
        denied_metric = re.search(r'podwall_denied_packets_total\{namespace="x"\} (\S+)', metrics)
        check(denied_metric is not None and float(denied_metric.group(1)) >= total,
              "denied packets counted per namespace in metrics")
        # ClusterNetworkPolicy: an Admin Accept (y/a, which x/a's policy
        # does not allow) and an Admin Deny (x/b, which it does) are named
        # with their kind, tier and rule name.
        daemon.write("cnp.yaml", CNP)
        daemon.wait(lambda s: s["synced"] and s["counts"].get("cluster_policies") == 1,
                    "the ClusterNetworkPolicy applied")
        dt.flush_conntrack(cluster)
        check(dt.reach(cluster, "y/a", "x/a"), "Admin Accept: y/a -> x/a allowed")
        check(not dt.reach(cluster, "x/b", "x/a"), "Admin Deny: x/b -> x/a denied")
        time.sleep(1.5)
        cnp = flows("--policy", "guard")
        accepted = [f for f in cnp if f["verdict"] == "allow" and f["state"] == "new"]
        denied_cnp = [f for f in cnp if f["verdict"] == "deny"]
        want = {"kind": "ClusterNetworkPolicy", "namespace": None, "name": "guard",
                "tier": "Admin"}
        check(len(accepted) == 1 and accepted[0]["src"]["pod"] == "a"
              and accepted[0]["policy"] == {**want, "rule": "ingress[0]",
                                            "ruleName": "from-y-a"},
              f"Admin Accept recorded with tier and rule name: {accepted}")
        check(len(denied_cnp) == 1 and denied_cnp[0]["src"]["pod"] == "b"
              and denied_cnp[0]["policy"] == {**want, "rule": "ingress[1]",
                                              "ruleName": "not-x-b"},
              f"Admin Deny recorded with tier and rule name: {denied_cnp}")
        # With --flow-log (its writer is a thread of its own): SIGHUP re-reads
        # the sources and the daemon lives on; SIGTERM ends it cleanly.
        daemon.proc.send_signal(1)
        time.sleep(0.5)
        check(daemon.proc.poll() is None, "with --flow-log, SIGHUP does not end podwalld")
        daemon.signal(15)
        check(daemon.proc.returncode == 0,
              f"SIGTERM ends podwalld with exit 0 ({daemon.proc.returncode})")
        daemon = None
    except Exception as ex:
        failures.append(f"error: {ex!r}")
        print(f"FAIL error: {ex!r}", flush=True)
    finally:
        if follower:
            follower.kill()
        if daemon and daemon.proc and daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()
        if failures:
            log = os.path.join(cluster.work, "podwalld.log")
            if os.path.exists(log):
                with open(log) as f:
                    print("--- podwalld log ---\n" + f.read()[-3000:])
        e2e.run(e2e.in_ns(cluster.node, podwall, "uninstall"), check=False)
        cluster.cleanup()
    print(f"\n{len(failures)} failure(s)")
    return 1 if failures else 0


CNP = """
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: guard}
spec:
  tier: Admin
  priority: 1
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}
      podSelector: {matchLabels: {pod: a}}
  ingress:
  - name: from-y-a
    action: Accept
    from:
    - pods:
        namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}
        podSelector: {matchLabels: {pod: a}}
  - name: not-x-b
    action: Deny
    from:
    - pods:
        namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}
        podSelector: {matchLabels: {pod: b}}
"""


def rss(pid):
    # podwalld runs under `ip netns exec`, which execs it: same pid.
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


if __name__ == "__main__":
    sys.exit(main())
