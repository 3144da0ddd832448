#ifndef PODWALL_ENFORCER_FLOWLOG_FLOW_LOGGER_H_
#define PODWALL_ENFORCER_FLOWLOG_FLOW_LOGGER_H_

// Turns kernel events into flow records:
//   a new conntrack entry with a mark (an allowed connection; the mark
//     holds the number of the egress rule in the high 16 bits and of the
//     ingress rule in the low 16) -> one "new" record per deciding side,
//     and the connection is remembered by conntrack id;
//   its conntrack DESTROY -> one "closed" record per side, with packets,
//     bytes and duration, enriched as it was when the connection began;
//   an NFLOG "podwall deny <dir>" / "podwall audit <dir>" packet -> counted
//     per 5-tuple and second, and emitted once the second is over, naming
//     the policies that isolate the pod.
// Memory is bounded: remembered connections and pending denial aggregates
// have caps, and what does not fit is counted as lost. Not thread-safe.

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "enforcer/flowlog/flow_event.h"
#include "enforcer/flowlog/flow_record.h"

namespace podwall::flowlog {

// What the logger needs to know about the cluster, at the time of a flow.
class FlowContext {
 public:
  virtual ~FlowContext() = default;
  // Who holds `ip` now: a pod, this node, or something external.
  virtual FlowEndpoint Describe(const schema::IpAddress& ip,
                                uint16_t port) const = 0;
  // The rule a connection-mark number stands for (nullopt when unknown).
  virtual std::optional<PolicyRef> RuleByNumber(uint16_t number) const = 0;
  // Whether `ip` is a pod on this node (its side of a connection is this
  // node's to decide).
  virtual bool IsLocalEndpoint(const schema::IpAddress& ip) const = 0;
  // "namespace/name" of every policy isolating the local pod at `ip`.
  virtual std::vector<std::string> IsolatingPolicies(
      const schema::IpAddress& ip, bool ingress) const = 0;
};

class FlowSink {
 public:
  virtual ~FlowSink() = default;
  virtual void Emit(const FlowRecord& record) = 0;
};

class FlowLogger {
 public:
  struct Options {
    std::string node;
    std::size_t max_tracked = 200000;         // Open connections remembered.
    std::size_t max_pending_denials = 65536;  // 5-tuples per second.
    // The same in memory (ApproxBytes of what is kept): whichever cap is
    // reached first forgets the oldest connection, or drops the denial.
    std::size_t max_tracked_bytes = 64 << 20;
    std::size_t max_pending_bytes = 16 << 20;
  };
  struct Stats {
    uint64_t records = 0;
    uint64_t lost_tracking = 0;  // Connections forgotten before they ended.
    uint64_t lost_denials = 0;   // Denied packets beyond the aggregate cap.
    std::size_t tracked = 0;
    std::size_t pending_denials = 0;
    std::size_t tracked_bytes = 0;
    std::size_t pending_bytes = 0;
  };

  FlowLogger(Options options, const FlowContext& context, FlowSink& sink)
      : options_(std::move(options)), context_(context), sink_(sink) {}

  void OnPacket(const PacketEvent& event);
  void OnConntrack(const ConntrackEvent& event);
  // Emits the denial aggregates whose second is over (every one with
  // `all`, e.g. at shutdown).
  void Flush(std::chrono::system_clock::time_point now, bool all = false);

  const Stats& stats() const { return stats_; }

 private:
  struct Side {
    std::string direction;
    PolicyRef policy;
  };
  struct Tracked {
    FlowRecord base;  // Endpoints and protocol as they were at the start.
    std::vector<Side> sides;
    std::size_t bytes = 0;
  };
  struct DenialKey {
    FiveTuple tuple;
    std::string prefix;
    auto operator<=>(const DenialKey&) const = default;
  };
  struct Pending {
    FlowRecord record;
    std::chrono::system_clock::time_point first;
    std::size_t bytes = 0;
  };

  FlowRecord Base(const FiveTuple& t,
                  std::chrono::system_clock::time_point time) const;
  void Emit(const FlowRecord& r);

  void OnNew(const ConntrackEvent& event);
  void OnEnd(const ConntrackEvent& event);

  Options options_;
  const FlowContext& context_;
  FlowSink& sink_;
  std::unordered_map<uint32_t, Tracked> tracked_;  // By conntrack id.
  std::deque<uint32_t> tracked_order_;             // Oldest first.
  std::map<DenialKey, Pending> pending_;
  Stats stats_;
};

// "TCP", "UDP", "SCTP", "ICMP", "ICMPv6" or the number.
std::string ProtoName(uint8_t proto);

}  // namespace podwall::flowlog

#endif  // PODWALL_ENFORCER_FLOWLOG_FLOW_LOGGER_H_
