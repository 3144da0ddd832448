#ifndef PODWALL_CONTROLLER_SUGGEST_H_
#define PODWALL_CONTROLLER_SUGGEST_H_

// `podwall suggest`: least-privilege NetworkPolicies that allow exactly the
// connections a flow log recorded for a namespace (or one pod's workload)
// and isolate the rest. One policy per workload — the pods of a namespace
// that share their stable labels (labels controllers stamp per revision or
// per pod, such as pod-template-hash, are left out) — selecting it by those
// labels (and, where another workload's labels include them all, by the
// absence of one of its extra keys, so no policy selects more than its
// workload), with Ingress and Egress isolation and one rule per peer:
// pods by their workload's selector (and their namespace's name label
// when elsewhere), addresses outside the cluster by ipBlock /32 or /128,
// ports by name where every pod of the workload names them. The node's
// own traffic is always allowed and needs no rule. A connection only ever
// recorded denied is not allowed by the suggestion; one recorded allowed
// (or audited) is, even if later cut or denied.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/cluster_state.h"
#include "controller/what_if.h"

namespace podwall::controller {

struct SuggestRequest {
  std::string namespace_;      // Every workload of this namespace, or
  std::string pod;             // "namespace/name": that pod's workload.
  std::string recorded_since;  // For the header comment ("" : all).
};

struct Suggestion {
  std::string yaml;  // Multi-document, kubectl-applicable.
  std::size_t policies = 0;
  std::size_t connections = 0;  // Recorded connections it allows.
};

// InvalidArgument for an unknown namespace or pod.
absl::StatusOr<Suggestion> SuggestPolicies(
    const ClusterState& state, const std::vector<RecordedConnection>& seen,
    const SuggestRequest& request);

// Whether a label key is one controllers set per revision or per pod
// (never a good selector).
bool IsUnstableLabel(const std::string& key);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_SUGGEST_H_
