#ifndef PODWALL_CONTROLLER_IR_EVALUATOR_H_
#define PODWALL_CONTROLLER_IR_EVALUATOR_H_

// Evaluates a connection against a NodePolicy the way the kernel ruleset
// will: look up the local endpoint by address, then walk that side's tiers
// (Admin rules, NetworkPolicy when it isolates, else Baseline rules; the
// first match of a tier decides, Pass moves on). Used by tests to check
// the compiler against the reference evaluator, and by tools that want the
// IR's answer.

#include "policy-schema/ir/node_policy.h"

namespace podwall::controller {

// Does `policy` let `local` (an address of one of its endpoints) send
// (egress) to or receive (ingress) from `peer` on protocol/port? An address
// that is not a local endpoint is not enforced by this node: true.
bool IrAllows(const ir::NodePolicy& policy, ir::Direction direction,
              const schema::IpAddress& local, const schema::IpAddress& peer,
              ir::Protocol protocol, uint16_t port);

// IrAllows' answer with what gave it: the rule that decided (an allow, an
// Accept or a Deny; null for an implicit deny or when nothing applies) and
// the side walked (null when `local` is not a local endpoint).
struct IrDecision {
  bool allowed = true;
  const ir::Rule* rule = nullptr;
  const ir::Endpoint* endpoint = nullptr;
  const ir::EndpointSide* side = nullptr;
};
IrDecision IrDecide(const ir::NodePolicy& policy, ir::Direction direction,
                    const schema::IpAddress& local,
                    const schema::IpAddress& peer, ir::Protocol protocol,
                    uint16_t port);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_IR_EVALUATOR_H_
