#ifndef PODWALL_ENFORCER_TRACE_TRACE_ARM_H_
#define PODWALL_ENFORCER_TRACE_TRACE_ARM_H_

// Arming nftables tracing for one connection: temporary base chains named
// `trace_arm` in podwall's own tables that set `meta nftrace` on the first
// packet of exactly that connection (its addresses, protocol and
// destination port; for TCP only a SYN without ACK), and nothing else. They
// run before everything podwall has on the packet's way:
//
//   netdev podwall trace_arm   hook ingress on the source pod's host-side
//                              interfaces, priority -550 (before their
//                              anti-spoofing guard), when the source is a
//                              local pod;
//   inet podwall trace_arm     hook prerouting, priority -550 (a packet
//                              from elsewhere, and a routed or bridged one
//                              whose mark the netdev chain already set).
//
// The mark stays on the packet (skb) while it crosses the node's hooks, so
// the kernel reports every rule of every table it meets until it leaves
// towards the destination pod. With no trace armed there are no such
// chains: tracing costs nothing then. The read-back that detects drift
// ignores chains of this name, so a trace does not make podwall repair its
// tables.

#include <optional>
#include <string>
#include <vector>

#include "enforcer/nft/netlink_batch.h"
#include "enforcer/nft/ruleset.h"
#include "policy-schema/ip_prefix.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::trace {

using nft::kTraceChain;
inline constexpr int kTracePriority = -550;
// Packets marked per second at most (burst as many).
inline constexpr int kTracedPacketsPerSecond = 5;

struct TraceTarget {
  // Every address the source may send from (a pod on two networks picks
  // by route), of the destination's family.
  std::vector<schema::IpAddress> sources;
  schema::IpAddress dst;
  ir::Protocol protocol = ir::Protocol::kTCP;
  uint16_t port = 0;
  // The source pod's host-side interfaces, when it is local.
  std::vector<std::string> source_devices;
};

// The messages that create the chains and their rule (to be committed as
// one batch between BEGIN and END).
void EncodeArm(const TraceTarget& target, nft::NetlinkBatch& batch);
// The messages that flush and delete the chain of table `family`
// (NFPROTO_INET or NFPROTO_NETDEV); the chain must exist.
void EncodeDisarm(uint16_t family, nft::NetlinkBatch& batch);

}  // namespace podwall::trace

#endif  // PODWALL_ENFORCER_TRACE_TRACE_ARM_H_
