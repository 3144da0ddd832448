#ifndef PODWALL_ENFORCER_FLOWLOG_FLOW_RECORD_H_
#define PODWALL_ENFORCER_FLOWLOG_FLOW_RECORD_H_

// A flow record as operators see it (the contract in ../shared/design.md),
// its JSON line, and the filters `podwall flows` and GET /v1/flows share.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace podwall::flowlog {

struct FlowEndpoint {
  std::string ip;
  uint16_t port = 0;
  // A pod: namespace, name and labels. Otherwise kind is "host" (this
  // node) or "external".
  std::optional<std::string> namespace_;
  std::optional<std::string> pod;
  std::map<std::string, std::string> labels;
  std::string kind = "pod";
};

struct PolicyRef {
  std::string kind = "NetworkPolicy";  // Or "ClusterNetworkPolicy".
  std::string namespace_;              // Empty for ClusterNetworkPolicy.
  std::string name;
  // "ingress[0]"; none for a NetworkPolicy's denials (they name the
  // policies that isolate the pod).
  std::optional<std::string> rule;
  // ClusterNetworkPolicy only: "Admin" or "Baseline", and the rule's name.
  std::string tier;
  std::string rule_name;
};

struct FlowRecord {
  std::chrono::system_clock::time_point time;
  std::string node;
  std::string verdict;    // "allow", "deny" or "audit".
  std::string direction;  // "ingress" or "egress".
  std::string proto;      // "TCP", "UDP", "SCTP", "ICMP", ...
  int family = 4;
  FlowEndpoint src;
  FlowEndpoint dst;
  std::optional<PolicyRef> policy;
  // Denials: every policy that isolates the pod ("namespace/name").
  std::vector<std::string> isolated_by;
  std::string state;  // "new", "closed" or "denied".
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t duration_ms = 0;
  uint64_t count = 1;
};

// One JSON object, no newline.
std::string FlowRecordJson(const FlowRecord& r);

// About how many bytes of memory `r` takes, its heap included (strings,
// labels, policy names): what memory budgets count. HeapBytes: only what
// the value holds on the heap.
std::size_t ApproxBytes(const FlowRecord& r);
std::size_t HeapBytes(const std::string& s);
std::size_t HeapBytes(const PolicyRef& p);

// The inverse of FlowRecordJson (for `podwall flows`, which reads the
// daemon's JSON lines). Time is kept as text in `time_text`.
struct ParsedFlow {
  FlowRecord record;
  std::string time_text;
};
absl::StatusOr<ParsedFlow> ParseFlowRecordJson(std::string_view line);

// "2026-11-22T13:45:01.123456Z".
std::string FlowTime(std::chrono::system_clock::time_point t);

// What `podwall flows` asks for. Every set field must match.
struct FlowFilter {
  std::optional<std::chrono::system_clock::time_point> since;
  std::optional<std::string> namespace_;  // Either side in the namespace.
  std::optional<std::string> pod;         // "ns/name", either side.
  std::optional<std::string> from;        // "ns/name", "ns/", or an IP.
  std::optional<std::string> to;
  std::optional<std::string> verdict;
  // "ns/name" of a NetworkPolicy, or the name of a ClusterNetworkPolicy.
  std::optional<std::string> policy;
  std::optional<uint16_t> port;      // Destination port.
  std::optional<std::string> proto;  // Case-insensitive.
  std::optional<std::size_t> last;   // At most this many, the newest.

  bool Matches(const FlowRecord& r) const;
};

// Query parameters (as in GET /v1/flows?...) to a filter, and back. `since`
// travels as a duration ("5m", "30s", "2h") relative to `now`.
absl::StatusOr<FlowFilter> ParseFlowQuery(
    const std::map<std::string, std::string>& query,
    std::chrono::system_clock::time_point now);
std::string FlowQueryString(const std::map<std::string, std::string>& params);

// "5m" -> 5 minutes; "90s", "2h", "1d" too.
absl::StatusOr<std::chrono::seconds> ParseDuration(const std::string& text);

}  // namespace podwall::flowlog

#endif  // PODWALL_ENFORCER_FLOWLOG_FLOW_RECORD_H_
