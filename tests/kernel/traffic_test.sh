#!/usr/bin/env bash
# Traffic through podwall's ruleset between pods made by the real CNI
# plugins, for both topologies: bridged (bridge plugin, br_netfilter) and
# routed (ptp plugin, one /32 route per pod). A throwaway node namespace
# holds the veths; every namespace, process and IPAM file made here is
# removed at exit, pass or fail.
#
#   traffic_test.sh PODWALL bridge|ptp
set -u
podwall=$1
topology=$2
probe=tests/support/netprobe.py
tag="pwt$$${topology:0:1}"
node="$tag-node"
work=$(mktemp -d)
pids=()
pods=(a b c)
declare -A ip

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pods[@]}"; do
    echo "$CONF" | ip netns exec "$node" env CNI_COMMAND=DEL CNI_CONTAINERID="$tag-$p" \
      CNI_NETNS="/var/run/netns/$tag-$p" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
      "/usr/lib/cni/$topology" >/dev/null 2>&1
    ip netns del "$tag-$p" 2>/dev/null
  done
  ip netns del "$node" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fail=0
check() {  # check allow|deny FROM(pod|node) PROTO TO PORT
  local want=$1 from=$2 proto=$3 to=$4 port=$5 ns
  if [[ $from == node ]]; then ns=$node; else ns=$tag-$from; fi
  # A short wait can only turn an allow into a false deny, never the other
  # way, so expected allows get a generous timeout and denies a short one.
  local timeout=0.6
  [[ $want == allow ]] && timeout=3
  if ip netns exec "$ns" "$probe" probe "$proto" "${ip[$to]}" "$port" "$timeout"; then got=allow; else got=deny; fi
  if [[ $got != "$want" ]]; then
    echo "FAIL [$topology]: $from -> $to $port/$proto: want $want, got $got"; fail=1
  else
    echo "ok   [$topology]: $from -> $to $port/$proto: $got"
  fi
}

subnet=10.244.$((RANDOM % 200 + 20)).0/24
subnet6="fd00:$((RANDOM % 9000 + 1000))::/64"
ranges="[[{\"subnet\":\"$subnet\"}],[{\"subnet\":\"$subnet6\"}]]"
if [[ $topology == bridge ]]; then
  CONF="{\"cniVersion\":\"1.0.0\",\"name\":\"$tag\",\"type\":\"bridge\",\"bridge\":\"${tag}br\",\"isGateway\":true,\"ipam\":{\"type\":\"host-local\",\"ranges\":$ranges,\"dataDir\":\"$work/ipam\"}}"
else
  CONF="{\"cniVersion\":\"1.0.0\",\"name\":\"$tag\",\"type\":\"ptp\",\"ipam\":{\"type\":\"host-local\",\"ranges\":$ranges,\"dataDir\":\"$work/ipam\"}}"
fi

ip netns add "$node" || exit 1
ip netns exec "$node" ip link set lo up
ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$node" sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null
ip netns exec "$node" sysctl -qw net.bridge.bridge-nf-call-ip6tables=1 2>/dev/null
# IPv6: forwarding, and no duplicate address detection (its delay would
# make the first probes fail for reasons that are not podwall's).
ip netns exec "$node" sysctl -qw net.ipv6.conf.all.forwarding=1
ip netns exec "$node" sysctl -qw net.ipv6.conf.default.accept_dad=0
ip netns exec "$node" sysctl -qw net.ipv6.conf.all.accept_dad=0
for p in "${pods[@]}"; do
  ip netns add "$tag-$p" || exit 1
  ip netns exec "$tag-$p" ip link set lo up
  ip netns exec "$tag-$p" sysctl -qw net.ipv6.conf.default.accept_dad=0
  ip netns exec "$tag-$p" sysctl -qw net.ipv6.conf.all.accept_dad=0
  result=$(echo "$CONF" | ip netns exec "$node" env CNI_COMMAND=ADD CNI_CONTAINERID="$tag-$p" \
    CNI_NETNS="/var/run/netns/$tag-$p" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "/usr/lib/cni/$topology") ||
    { echo "FAIL: CNI ADD $p: $result"; exit 1; }
  ip[$p]=$(echo "$result" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
  ip[$p/6]=$(echo "$result" | /usr/bin/python3 -c 'import json,sys; print([i["address"].split("/")[0] for i in json.load(sys.stdin)["ips"] if ":" in i["address"]][0])')
  ip netns exec "$tag-$p" "$probe" serve 80 81 >/dev/null 2>&1 &
  pids+=($!)
done
ip[node]=none

# Manifests: pods a, b, c of namespace x on node-1 with their real addresses.
{
  echo "apiVersion: v1"; echo "kind: List"; echo "items:"
  for p in "${pods[@]}"; do
    echo "- {apiVersion: v1, kind: Pod, metadata: {name: $p, namespace: x, labels: {pod: $p}}, spec: {nodeName: node-1, containers: [{name: c, ports: [{name: http, containerPort: 80}]}]}, status: {phase: Running, podIP: ${ip[$p]}, podIPs: [{ip: ${ip[$p]}}, {ip: '${ip[$p/6]}'}]}}"
  done
} > "$work/pods.yaml"
cat > "$work/policy.yaml" <<'YAML'
# a: ingress TCP 80 (by its port name) and UDP 81 only from b.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-from-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}]
    ports: [{port: http}, {protocol: UDP, port: 81}]
---
# c: may send only to b.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: c-to-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: c}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {pod: b}}}]
YAML
sleep 0.5  # Let the servers bind.

# Before: everything open. The node talking to each pod also gives it the
# neighbour entries that locate bridged veths.
check allow c tcp a 80
check allow c udp a 81
for p in "${pods[@]}"; do check allow node tcp "$p" 80; check allow node tcp "$p/6" 80; done

ip netns exec "$node" "$podwall" apply --node-name node-1 -f "$work/pods.yaml" -f "$work/policy.yaml" >/dev/null ||
  { echo "FAIL: podwall apply"; exit 1; }
ip netns exec "$node" conntrack -F >/dev/null 2>&1

check allow b tcp a 80
check deny  b tcp a 81
check allow b udp a 81
check deny  b udp a 80
check deny  c tcp a 80
check deny  c udp a 81
check allow a tcp b 80
check allow c tcp b 81
check deny  c tcp a 81
check allow a tcp c 80
# The same policy over IPv6 (dual-stack pods from host-local).
check allow b tcp a/6 80
check deny  c tcp a/6 80
check deny  c udp a/6 81
check allow c tcp b/6 81
check allow node tcp a 80
check allow node udp a 80

# Anti-spoofing: every pod's veth has a guard; a packet from c with an
# address that is not c's is dropped at c's veth, and counted there.
guards=$(ip netns exec "$node" nft list table netdev podwall 2>&1)
for p in "${pods[@]}"; do
  [[ "$guards" == *"spoofed source from x/$p"* ]] || { echo "FAIL [$topology]: no anti-spoofing guard for x/$p"; fail=1; }
done
spoof=${subnet%.0/24}.250
ip netns exec "$tag-c" ip addr add "$spoof/32" dev eth0
if ip netns exec "$tag-c" "$probe" probe tcp "${ip[b]}" 80 0.6 "$spoof"; then
  echo "FAIL [$topology]: spoofed source $spoof from c reached b"; fail=1
else
  echo "ok   [$topology]: spoofed source $spoof from c -> b dropped"
fi
dropped=$(ip netns exec "$node" nft list table netdev podwall |
  grep 'spoofed source from x/c' | grep -o 'packets [0-9]*' | awk '{s+=$2} END {print s+0}')
[[ $dropped -gt 0 ]] || { echo "FAIL [$topology]: guard on c counted no drop"; fail=1; }
# An ARP resolution the spoofed attempt started sends the spoofed sender,
# which the guard drops as well: start afresh before c's own traffic.
ip netns exec "$tag-c" ip addr del "$spoof/32" dev eth0
ip netns exec "$tag-c" ip neigh flush all
check allow c tcp b 80

# The tables with guards (netdev; bridge and inet, after tc) as the
# netlink batch wrote them must list exactly as nft(8) loading the dry-run
# text writes them.
files=(--node-name node-1 -f "$work/pods.yaml" -f "$work/policy.yaml")
list_tables() {
  for family in inet netdev bridge; do
    ip netns exec "$node" nft list table "$family" podwall | sed 's/packets [0-9]* bytes [0-9]*//'
  done
}
ip netns exec "$node" "$podwall" apply "${files[@]}" >/dev/null
via_netlink=$(list_tables)
ip netns exec "$node" "$podwall" apply --dry-run "${files[@]}" | ip netns exec "$node" nft -f - ||
  { echo "FAIL [$topology]: nft rejects the dry-run text with guards"; fail=1; }
via_nft=$(list_tables)
if [[ "$via_netlink" != "$via_nft" ]]; then
  echo "FAIL [$topology]: tables differ between netlink and nft -f"
  diff <(echo "$via_netlink") <(echo "$via_nft"); fail=1
elif [[ "$via_netlink" != *"chain guard_"*"chain guard_"*"chain guard_"* ]]; then
  echo "FAIL [$topology]: guards missing from the listing"; fail=1
else
  echo "ok   [$topology]: tables with guards via netlink == via nft -f"
fi

ip netns exec "$node" "$podwall" uninstall >/dev/null || { echo "FAIL: uninstall"; fail=1; }
for family in netdev bridge; do
  ip netns exec "$node" nft list table "$family" podwall >/dev/null 2>&1 &&
    { echo "FAIL: $family table left"; fail=1; }
done
ip netns exec "$node" conntrack -F >/dev/null 2>&1
check allow c tcp a 80
exit $fail
