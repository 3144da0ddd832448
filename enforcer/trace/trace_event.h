#ifndef PODWALL_ENFORCER_TRACE_TRACE_EVENT_H_
#define PODWALL_ENFORCER_TRACE_TRACE_EVENT_H_

// One nftables trace event (NFT_MSG_TRACE, multicast group NFNLGRP_NFTRACE):
// a packet whose nftrace bit is set met a rule, the end of a chain, or a
// base chain's policy. The kernel sends one per step of every traced
// packet, each naming the packet by a pseudo-id that stays the same while
// the packet (skb) crosses the hooks of one network namespace, and the
// first event of each hook carries the packet's headers.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "policy-schema/ip_prefix.h"
#include "policy-schema/ir/node_policy.h"

struct nlmsghdr;

namespace podwall::trace {

// What a traced packet is, from its headers.
struct PacketTuple {
  schema::IpAddress src;
  schema::IpAddress dst;
  uint8_t l4proto = 0;  // IPPROTO_*
  uint16_t sport = 0;
  uint16_t dport = 0;
  bool operator==(const PacketTuple&) const = default;
};

struct TraceEvent {
  enum class Type : uint8_t {
    kRule,    // A rule matched; `verdict` is its verdict.
    kReturn,  // The end of a regular chain: back to the caller.
    kPolicy,  // The end of a base chain: its policy is the verdict.
    kOther,
  };
  uint32_t id = 0;
  uint16_t family = 0;  // The table's NFPROTO_* (inet, netdev, bridge, ...).
  std::string table;
  std::string chain;
  uint64_t handle = 0;  // kRule: the rule's handle.
  Type type = Type::kOther;
  // NF_DROP, NF_ACCEPT, or NFT_CONTINUE/BREAK/JUMP/GOTO/RETURN (negative).
  int32_t verdict = 0;
  std::string jump_target;  // NFT_JUMP, NFT_GOTO.
  uint32_t iif = 0;
  uint32_t oif = 0;
  std::optional<PacketTuple> packet;  // The first event of each hook.
};

// Decodes one NFT_MSG_TRACE message; InvalidArgument when it is not one.
absl::StatusOr<TraceEvent> ParseTraceMessage(const nlmsghdr* nlh);

// The packet described by raw network and transport headers (as the trace
// events carry them); nullopt when they are not IPv4/IPv6.
std::optional<PacketTuple> ParsePacketHeaders(const uint8_t* network,
                                              std::size_t network_len,
                                              const uint8_t* transport,
                                              std::size_t transport_len);

// IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP.
uint8_t IpProtocolOf(ir::Protocol protocol);

// "accept", "drop", "continue", "break", "jump", "goto", "return".
std::string VerdictName(int32_t verdict);
// NF_DROP with any errno the kernel packs into it.
bool IsDrop(int32_t verdict);
// "inet", "netdev", "bridge", "ip", "ip6", "arp" or the number.
std::string FamilyName(uint16_t family);

}  // namespace podwall::trace

#endif  // PODWALL_ENFORCER_TRACE_TRACE_EVENT_H_
