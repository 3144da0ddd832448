#include "controller/ir_evaluator.h"

#include <algorithm>

#include "controller/address_ranges.h"

namespace podwall::controller {
namespace {

bool PortIn(const std::vector<ir::PortRange>& ranges, ir::Protocol protocol,
            uint16_t port) {
  for (const ir::PortRange& r : ranges) {
    if (r.protocol == protocol && port >= r.first && port <= r.last) {
      return true;
    }
  }
  return false;
}

bool RuleMatches(const ir::NodePolicy& policy, const ir::Rule& rule,
                 const ir::EndpointRule& binding, const schema::IpAddress& peer,
                 ir::Protocol protocol, uint16_t port) {
  bool peer_ok = rule.any_peer;
  for (const std::string& id : rule.pod_set_ids) {
    if (peer_ok) break;
    const ir::PodSet* set = policy.FindPodSet(id);
    peer_ok = set && std::binary_search(set->addresses.begin(),
                                        set->addresses.end(), peer);
  }
  if (!peer_ok && !rule.cidr_set_id.empty()) {
    const ir::CidrSet* set = policy.FindCidrSet(rule.cidr_set_id);
    peer_ok = set && RangesContain(set->ranges, peer);
  }
  if (peer_ok && (rule.any_port || PortIn(rule.ports, protocol, port) ||
                  PortIn(binding.named_ports, protocol, port))) {
    return true;
  }
  if (!rule.port_set_id.empty()) {
    const ir::PortSet* set = policy.FindPortSet(rule.port_set_id);
    return set &&
           std::binary_search(set->tuples.begin(), set->tuples.end(),
                              ir::AddressPortTuple{peer, protocol, port});
  }
  return false;
}

}  // namespace

IrDecision IrDecide(const ir::NodePolicy& policy, ir::Direction direction,
                    const schema::IpAddress& local,
                    const schema::IpAddress& peer, ir::Protocol protocol,
                    uint16_t port) {
  IrDecision d;
  d.endpoint = policy.FindEndpointByAddress(local);
  if (!d.endpoint) return d;
  const ir::EndpointSide& side = direction == ir::Direction::kIngress
                                     ? d.endpoint->ingress
                                     : d.endpoint->egress;
  d.side = &side;
  // The first matching rule of a tier, if any.
  auto first_match =
      [&](const std::vector<ir::EndpointRule>& tier) -> const ir::Rule* {
    for (const ir::EndpointRule& binding : tier) {
      const ir::Rule* rule = policy.FindRule(binding.rule_id);
      if (rule && RuleMatches(policy, *rule, binding, peer, protocol, port)) {
        return rule;
      }
    }
    return nullptr;
  };
  if (const ir::Rule* admin = first_match(side.admin);
      admin && admin->action != ir::Action::kPass) {
    d.rule = admin;
    d.allowed = admin->action == ir::Action::kAccept;
    return d;
  }
  if (side.isolated) {
    d.rule = first_match(side.rules);
    d.allowed = d.rule != nullptr;
    return d;
  }
  if (const ir::Rule* baseline = first_match(side.baseline);
      baseline && baseline->action != ir::Action::kPass) {
    d.rule = baseline;
    d.allowed = baseline->action != ir::Action::kDeny;
  }
  return d;
}

bool IrAllows(const ir::NodePolicy& policy, ir::Direction direction,
              const schema::IpAddress& local, const schema::IpAddress& peer,
              ir::Protocol protocol, uint16_t port) {
  return IrDecide(policy, direction, local, peer, protocol, port).allowed;
}

}  // namespace podwall::controller
