#ifndef PODWALL_TESTS_SUPPORT_SYNC_EVENTS_H_
#define PODWALL_TESTS_SUPPORT_SYNC_EVENTS_H_

// Every kind of event the sync path must turn into a patch, as a source
// would report them, shared by the NodeSyncer's unit test (fake kernel) and
// the kernel test (real nf_tables). They start from golden case
// "15-stacked-policies" with x/a on veth-xa, and run in order.

#include <functional>
#include <string>
#include <vector>

#include "controller/cluster_state.h"
#include "controller/compiler.h"

namespace podwall::test_support {

struct SyncEvent {
  std::string what;
  std::function<void(controller::ClusterState&, controller::Compiler&)> apply;
};

// Pod x/d on the node (app=web, a named port http), and policy x/d that
// selects it (ingress from team=red namespaces on http, egress to an ipBlock
// with except on UDP 53).
extern const char kPodD[];
extern const char kPolicyD[];

// Upserts every object of manifest `yaml` and tells the compiler. A
// manifest that does not parse fails the current test.
void Upsert(const std::string& yaml, controller::ClusterState& state,
            controller::Compiler& compiler);

// A local pod added; a policy selecting it (new rules and sets); edits of
// the policy; the pod relabelled out and back on a new address; interfaces
// discovered; the pod on two networks, then one; a namespace relabelled;
// the policy deleted; the pod deleted.
std::vector<SyncEvent> EveryKindOfEvent();

}  // namespace podwall::test_support

#endif  // PODWALL_TESTS_SUPPORT_SYNC_EVENTS_H_
