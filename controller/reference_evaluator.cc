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

// --- ClusterNetworkPolicy
// ------------------------------------------------------

bool InCidr(const std::string& cidr, const schema::IpAddress& ip) {
  auto prefix = schema::IpPrefix::Parse(cidr);
  return prefix && prefix->Contains(ip);
}

bool PodPicked(const ClusterState& state, const schema::NamespacedPod& pods,
               const Workload& w) {
  return Matches(pods.namespace_selector,
                 state.NamespaceLabels(w.namespace_)) &&
         Matches(pods.pod_selector, w.labels);
}

bool ClusterPeerMatches(const ClusterState& state,
                        const schema::ClusterNetworkPolicyPeer& peer,
                        bool accept, const ConnectionEnd& other) {
  const Workload* w =
      other.workload && other.workload->eligible ? other.workload : nullptr;
  if (peer.namespaces) {
    return w && Matches(*peer.namespaces, state.NamespaceLabels(w->namespace_));
  }
  if (peer.pods) return w && PodPicked(state, *peer.pods, *w);
  if (peer.networks) {
    for (const std::string& cidr : *peer.networks) {
      if (InCidr(cidr, other.address)) return true;
    }
    return false;
  }
  if (peer.nodes) {
    for (const auto& [name, node] : state.nodes()) {
      if (!Matches(*peer.nodes, node.metadata.labels)) continue;
      for (const schema::NodeAddress& a : node.addresses) {
        if ((a.type == "InternalIP" || a.type == "ExternalIP") &&
            schema::IpAddress::Parse(a.address) == other.address) {
          return true;
        }
      }
    }
    return false;
  }
  if (peer.domain_names) return false;  // Not resolved by podwall.
  return !accept;                       // Unknown peer: fails closed.
}

bool ClusterProtocolMatches(const schema::ClusterNetworkPolicyProtocol& p,
                            const Workload* target, ir::Protocol protocol,
                            uint16_t port) {
  if (p.destination_named_port) {
    if (!target || !target->eligible) return false;
    for (const NamedPort& np : target->named_ports) {
      if (np.name == *p.destination_named_port && np.protocol == protocol &&
          np.port == port) {
        return true;
      }
    }
    return false;
  }
  const auto& ports = protocol == ir::Protocol::kTCP   ? p.tcp
                      : protocol == ir::Protocol::kUDP ? p.udp
                                                       : p.sctp;
  if (!ports) return false;
  if (!ports->destination_port) return true;
  const schema::ClusterNetworkPolicyPort& dp = *ports->destination_port;
  if (dp.number) return port == *dp.number;
  if (dp.range) return port >= dp.range->start && port <= dp.range->end;
  return true;
}

bool ClusterSubjectPicks(const ClusterState& state,
                         const schema::ClusterNetworkPolicy& policy,
                         const Workload& w) {
  if (!policy.spec.subject) return false;
  if (policy.spec.subject->namespaces) {
    return Matches(*policy.spec.subject->namespaces,
                   state.NamespaceLabels(w.namespace_));
  }
  if (policy.spec.subject->pods) {
    return PodPicked(state, *policy.spec.subject->pods, w);
  }
  return false;
}

// The first rule of `tier` that matches, in order of priority, name, index.
std::optional<ClusterRuleRef> FirstClusterMatch(
    const ClusterState& state, const std::string& tier, const Workload& self,
    const ConnectionEnd& other, const ConnectionEnd& dst,
    ir::Direction direction, ir::Protocol protocol, uint16_t port) {
  std::vector<const schema::ClusterNetworkPolicy*> order;
  for (const auto& [name, policy] : state.cluster_policies()) {
    if (policy.spec.tier == tier && policy.spec.priority &&
        ClusterSubjectPicks(state, policy, self)) {
      order.push_back(&policy);
    }
  }
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return *a->spec.priority < *b->spec.priority;
  });
  for (const schema::ClusterNetworkPolicy* policy : order) {
    const auto& rules = direction == ir::Direction::kIngress
                            ? policy->spec.ingress
                            : policy->spec.egress;
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const schema::ClusterNetworkPolicyRule& rule = rules[i];
      const bool accept = rule.action == "Accept";
      bool peer_ok = false;
      if (!rule.peers || rule.peers->empty()) {
        peer_ok = !accept;
      } else {
        for (const auto& peer : *rule.peers) {
          if (ClusterPeerMatches(state, peer, accept, other)) peer_ok = true;
        }
      }
      if (!peer_ok) continue;
      bool port_ok = !rule.protocols;
      if (rule.protocols) {
        for (const auto& p : *rule.protocols) {
          if (ClusterProtocolMatches(p, dst.workload, protocol, port)) {
            port_ok = true;
          }
        }
      }
      if (!port_ok) continue;
      const bool known =
          accept || rule.action == "Deny" || rule.action == "Pass";
      return ClusterRuleRef{policy->metadata.name,       tier,
                            *policy->spec.priority,      direction,
                            static_cast<int>(i),         rule.name,
                            known ? rule.action : "Deny"};
    }
  }
  return std::nullopt;
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
  if (side.admin = FirstClusterMatch(state, "Admin", *w, other, dst, direction,
                                     protocol, port);
      side.admin && side.admin->action != "Pass") {
    side.allowed = side.admin->action == "Accept";
    side.decided_by = "Admin";
    return side;
  }
  if (side.isolated) {
    side.allowed = !side.allowed_by.empty();
    side.decided_by = "NetworkPolicy";
    return side;
  }
  side.baseline = FirstClusterMatch(state, "Baseline", *w, other, dst,
                                    direction, protocol, port);
  side.allowed = !side.baseline || side.baseline->action != "Deny";
  if (side.baseline && side.baseline->action != "Pass") {
    side.decided_by = "Baseline";
  }
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
