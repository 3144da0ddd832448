#ifndef PODWALL_ENFORCER_FLOWLOG_FLOW_EVENT_H_
#define PODWALL_ENFORCER_FLOWLOG_FLOW_EVENT_H_

// What the kernel tells the flow logger, before enrichment: a packet a log
// statement sent to NFLOG (about to be denied), or a conntrack entry that
// began or ended.

#include <chrono>
#include <cstdint>
#include <string>

#include "policy-schema/ip_prefix.h"

namespace podwall::flowlog {

struct FiveTuple {
  schema::IpAddress src;
  schema::IpAddress dst;
  uint8_t proto = 0;  // IPPROTO_*.
  uint16_t sport = 0;
  uint16_t dport = 0;

  auto operator<=>(const FiveTuple&) const = default;
};

struct PacketEvent {
  std::string prefix;  // The log statement's prefix.
  FiveTuple tuple;
  std::chrono::system_clock::time_point time;
};

struct ConntrackEvent {
  bool ended = false;  // DESTROY; otherwise a new connection (confirmed).
  FiveTuple tuple;     // Original direction.
  uint32_t ct_mark = 0;
  uint32_t ct_id = 0;
  // When ended: both directions (accounting on).
  uint64_t packets = 0;
  uint64_t bytes = 0;
  // From conntrack timestamps when on; zero otherwise.
  uint64_t start_ns = 0;
  uint64_t stop_ns = 0;
  std::chrono::system_clock::time_point time;
};

// Parses an IPv4/IPv6 packet's addresses and TCP/UDP/SCTP ports. False for
// anything else or a truncated header.
bool ParsePacketTuple(const uint8_t* data, std::size_t len, FiveTuple& out);

}  // namespace podwall::flowlog

#endif  // PODWALL_ENFORCER_FLOWLOG_FLOW_EVENT_H_
