#ifndef PODWALL_CONTROLLER_REFERENCE_EVALUATOR_H_
#define PODWALL_CONTROLLER_REFERENCE_EVALUATOR_H_

// The reference evaluator: decides one connection straight from the API
// objects, written from the Kubernetes NetworkPolicy and ClusterNetworkPolicy
// semantics and sharing no code with the compiler. It answers `podwall explain`
// and is the oracle the compiler's property tests compare against.

#include <optional>
#include <string>
#include <vector>

#include "controller/cluster_state.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::controller {

// One end of a connection: a workload, or a bare address (external, host).
struct ConnectionEnd {
  const Workload* workload = nullptr;  // Null for a bare address.
  schema::IpAddress address;           // The address used on the wire.
};

struct RuleRef {
  std::string policy;  // "namespace/name"
  ir::Direction direction = ir::Direction::kIngress;
  int index = 0;

  bool operator==(const RuleRef&) const = default;
};

// A ClusterNetworkPolicy rule that matched a connection.
struct ClusterRuleRef {
  std::string policy;  // The CNP's name.
  std::string tier;    // "Admin" or "Baseline".
  int priority = 0;
  ir::Direction direction = ir::Direction::kIngress;
  int index = 0;
  std::string rule_name;
  std::string action;  // "Accept", "Deny" or "Pass".

  bool operator==(const ClusterRuleRef&) const = default;
};

// The verdict of one side (egress at the client, ingress at the server),
// reached through the tiers: Admin, NetworkPolicy, Baseline.
struct SideVerdict {
  // False when this side is not a pod policy can select (external address,
  // hostNetwork pod, ...): nothing is enforced, the side allows.
  bool applies = false;
  bool isolated = false;
  std::vector<std::string> policies;  // Policies isolating this side.
  std::vector<RuleRef> allowed_by;    // Rules that allow the connection.
  bool allowed = true;
  // The first matching rule of each ClusterNetworkPolicy tier consulted.
  std::optional<ClusterRuleRef> admin;
  std::optional<ClusterRuleRef> baseline;
  // What decided: "Admin", "NetworkPolicy", "Baseline" or "" (nothing
  // applies: allowed).
  std::string decided_by;
};

struct Verdict {
  bool allowed = true;
  SideVerdict egress;   // At the source.
  SideVerdict ingress;  // At the destination.
};

// Is src -> dst:port/protocol allowed? Both sides must allow.
Verdict Evaluate(const ClusterState& state, const ConnectionEnd& src,
                 const ConnectionEnd& dst, ir::Protocol protocol,
                 uint16_t port);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_REFERENCE_EVALUATOR_H_
