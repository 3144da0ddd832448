#ifndef PODWALL_ENFORCER_TRACE_TRACE_PATH_H_
#define PODWALL_ENFORCER_TRACE_TRACE_PATH_H_

// The kernel's path of one traced packet, from its trace events: which of
// the events are that packet's (TraceCollector), what each rule it met is
// in podwall's terms, and the verdict podwall's chains gave it on each side
// (JudgePath). Pure: the events come from trace_kernel.h or a test.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "enforcer/trace/trace_event.h"

namespace podwall::trace {

// The connection being traced: what the arm rule matches.
struct TraceMatch {
  std::vector<schema::IpAddress> sources;
  schema::IpAddress dst;
  uint8_t l4proto = 0;
  uint16_t dport = 0;
  bool Matches(const PacketTuple& p) const {
    return std::find(sources.begin(), sources.end(), p.src) != sources.end() &&
           p.dst == dst && p.l4proto == l4proto && p.dport == dport;
  }
};

// Keeps the events of the first packet that matches, at most `max_events`
// of them (the rest are counted as dropped). Events of other packets
// (another tool's trace, a later packet of the connection, even one that
// reuses the first's id) are ignored.
class TraceCollector {
 public:
  TraceCollector(TraceMatch match, std::size_t max_events)
      : match_(match), max_(max_events) {}
  // True when `e` is the traced packet's.
  bool Add(const TraceEvent& e);
  bool found() const { return id_.has_value(); }
  const std::vector<TraceEvent>& events() const { return events_; }
  std::size_t dropped() const { return dropped_; }

 private:
  TraceMatch match_;
  std::size_t max_;
  std::optional<uint32_t> id_;
  std::optional<PacketTuple> first_;
  // The id came back on another packet (the kernel reuses a freed skb's
  // address, which the id is made from): the first packet's path is over.
  bool over_ = false;
  std::vector<TraceEvent> events_;
  std::size_t dropped_ = 0;
};

// What a rule the trace names is, in podwall's terms.
struct RuleInfo {
  int position = -1;   // In its chain, from 0; -1 unknown.
  std::string text;    // nft(8) syntax, when podwall knows the rule.
  std::string origin;  // "NetworkPolicy/x/allow/ingress/0", "deny ingress
                       // x/a", "anti-spoofing guard of x/a", ...
};
using RuleDescriber = std::function<RuleInfo(const TraceEvent&)>;

struct TraceStep {
  TraceEvent event;
  RuleInfo rule;
  bool podwall = false;  // In one of podwall's tables.
};

// The verdict of one side's chains (egress: out_/outnp_, ingress:
// in_/innp_).
struct KernelSide {
  bool seen = false;  // The packet met this side's chains.
  bool allowed = true;
  std::string chain;    // Where it was decided.
  uint64_t handle = 0;  // The deciding rule (0: the chain's end).
  std::string origin;
};

struct KernelPath {
  std::vector<TraceStep> steps;
  // kUnseen: no event of podwall's forward chain and no drop (the packet
  // did not reach the policy, or nothing was traced).
  enum class Verdict { kAllow, kDeny, kUnseen } verdict = Verdict::kUnseen;
  std::string dropped_in;  // "inet podwall in_x/a" when denied.
  std::string dropped_origin;
  // Drops in tables that are not podwall's (Docker's, the node's own).
  std::vector<std::string> other_drops;
  KernelSide egress;
  KernelSide ingress;
};

KernelPath JudgePath(const std::vector<TraceEvent>& events,
                     const RuleDescriber& describe);

}  // namespace podwall::trace

#endif  // PODWALL_ENFORCER_TRACE_TRACE_PATH_H_
