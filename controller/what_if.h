#ifndef PODWALL_CONTROLLER_WHAT_IF_H_
#define PODWALL_CONTROLLER_WHAT_IF_H_

// `podwall what-if`: the distinct connections a flow log recorded, replayed
// against the cluster as it is and as a proposal would make it (the
// reference evaluator decides both), and the ones whose verdict changes,
// each with the policy responsible. Pure: the CLI gathers the connections
// and builds the two states.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "controller/cluster_state.h"
#include "controller/reference_evaluator.h"

namespace podwall::controller {

// One distinct connection (its ends, protocol and destination port) and
// what the flow log says of it.
struct RecordedConnection {
  std::string src_pod;  // "namespace/name" when the record names a pod.
  std::string dst_pod;
  // "pod", "host" (the node itself) or "external", as the record says.
  std::string src_kind = "pod";
  std::string dst_kind = "pod";
  schema::IpAddress src_ip;
  schema::IpAddress dst_ip;
  ir::Protocol protocol = ir::Protocol::kTCP;
  uint16_t port = 0;
  std::string verdict;  // The newest record's: allow, deny or audit.
  // Some record says it was allowed (or audited): it happened, even if a
  // later record says cut or denied.
  bool was_allowed = false;
  uint64_t count = 0;     // Connections the records stand for.
  std::string last_seen;  // RFC 3339.

  std::string Name() const;  // "x/b -> x/a 80/TCP".
};

struct VerdictChange {
  RecordedConnection connection;
  // The policy that decides the new verdict: "NetworkPolicy x/deny-all",
  // "ClusterNetworkPolicy guard (Admin)", or "no policy isolates x/a".
  std::string responsible;
  Verdict after;
};

struct WhatIfResult {
  std::size_t replayed = 0;
  std::vector<VerdictChange> breaks;  // Allowed now, denied after.
  std::vector<VerdictChange> allows;  // Denied now, allowed after.
};

// `proposal`: the policies the proposal adds, changes or removes
// ("namespace/name"; a ClusterNetworkPolicy by name). A denial by
// NetworkPolicy isolation names those of them that isolate the pod (all
// isolating policies when none does).
WhatIfResult ReplayConnections(const ClusterState& now,
                               const ClusterState& proposed,
                               const std::vector<RecordedConnection>& seen,
                               const std::set<std::string>& proposal = {});

// Exit 1 material: whether any allowed connection would be denied.
inline bool Breaks(const WhatIfResult& r) { return !r.breaks.empty(); }

std::string WhatIfToText(const WhatIfResult& r);
std::string WhatIfToJson(const WhatIfResult& r);

// The ends of `c` in `state`: the named pod when it is there (at the
// recorded address, or its address of that family), else whatever holds
// the address, else the bare address.
ConnectionEnd ResolveEnd(const ClusterState& state, const std::string& pod,
                         const schema::IpAddress& ip);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_WHAT_IF_H_
