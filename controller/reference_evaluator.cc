#include "controller/reference_evaluator.h"

#include <algorithm>

#include "policy-schema/label_selector.h"

namespace podwall::controller {
namespace {

bool InIpBlock(const schema::IPBlock& block, const schema::IpAddress& ip) {
  auto cidr = schema::IpPrefix::Parse(block.cidr);
  if (!cidr || !cidr->Contains(ip)) return false;
  for (const std::string& e : block.except) {
    auto except = schema::IpPrefix::Parse(e);
    if (except && except->Contains(ip)) return false;
  }
  return true;
}

// Does `peer` (of a policy in `policy_ns`) describe the other end?
bool PeerMatches(const ClusterState& state, const std::string& policy_ns,
                 const schema::NetworkPolicyPeer& peer,
                 const ConnectionEnd& other) {
  if (peer.ip_block) return InIpBlock(*peer.ip_block, other.address);
  const Workload* w = other.workload;
  if (!w || !w->eligible) return false;  // Selectors only pick real pods.
  if (peer.namespace_selector) {
    if (!Matches(*peer.namespace_selector,
                 state.NamespaceLabels(w->namespace_)))
      return false;
  } else if (w->namespace_ != policy_ns) {
    return false;
  }
  return !peer.pod_selector || Matches(*peer.pod_selector, w->labels);
}

// Does one `ports` entry allow protocol/port towards `target` (the pod whose
// container ports named ports refer to: the destination)?
bool PortMatches(const schema::NetworkPolicyPort& p, const Workload* target,
                 ir::Protocol protocol, uint16_t port) {
  if (ir::ParseProtocol(p.protocol.value_or("TCP")) != protocol) return false;
  if (!p.port) return true;
  if (!p.port->is_name) {
    const int last = p.end_port.value_or(p.port->number);
    return port >= p.port->number && port <= last;
  }
  if (!target || !target->eligible) return false;
  for (const NamedPort& np : target->named_ports) {
    if (np.name == p.port->name && np.protocol == protocol && np.port == port)
      return true;
  }
  return false;
}

SideVerdict EvaluateSide(const ClusterState& state, const ConnectionEnd& self,
                         const ConnectionEnd& other, const ConnectionEnd& dst,
                         ir::Direction direction, ir::Protocol protocol,
                         uint16_t port) {
  SideVerdict side;
  const Workload* w = self.workload;
  if (!w || !w->eligible) return side;
  side.applies = true;
  const char* type =
      direction == ir::Direction::kIngress ? "Ingress" : "Egress";
  for (const auto& [key, policy] : state.policies()) {
    if (policy.metadata.namespace_ != w->namespace_) continue;
    if (!Matches(policy.spec.pod_selector, w->labels)) continue;
    const auto& types = policy.spec.policy_types;
    if (std::find(types.begin(), types.end(), type) == types.end()) continue;
    side.isolated = true;
    side.policies.push_back(key);
    auto check = [&](int index,
                     const std::vector<schema::NetworkPolicyPort>& ports,
                     const std::vector<schema::NetworkPolicyPeer>& peers) {
      bool peer_ok = peers.empty();
      for (const auto& peer : peers) {
        if (PeerMatches(state, policy.metadata.namespace_, peer, other)) {
          peer_ok = true;
          break;
        }
      }
      if (!peer_ok) return;
      bool port_ok = ports.empty();
      for (const auto& p : ports) {
        if (PortMatches(p, dst.workload, protocol, port)) {
          port_ok = true;
          break;
        }
      }
      if (port_ok) side.allowed_by.push_back({key, direction, index});
    };
    if (direction == ir::Direction::kIngress) {
      for (std::size_t i = 0; i < policy.spec.ingress.size(); ++i) {
        check(static_cast<int>(i), policy.spec.ingress[i].ports,
              policy.spec.ingress[i].from);
      }
    } else {
      for (std::size_t i = 0; i < policy.spec.egress.size(); ++i) {
        check(static_cast<int>(i), policy.spec.egress[i].ports,
              policy.spec.egress[i].to);
      }
    }
  }
  side.allowed = !side.isolated || !side.allowed_by.empty();
  return side;
}

}  // namespace

Verdict Evaluate(const ClusterState& state, const ConnectionEnd& src,
                 const ConnectionEnd& dst, ir::Protocol protocol,
                 uint16_t port) {
  Verdict v;
  v.egress = EvaluateSide(state, src, dst, dst, ir::Direction::kEgress,
                          protocol, port);
  v.ingress = EvaluateSide(state, dst, src, dst, ir::Direction::kIngress,
                           protocol, port);
  v.allowed = v.egress.allowed && v.ingress.allowed;
  return v;
}

}  // namespace podwall::controller
