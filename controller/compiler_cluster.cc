// The compiler's ClusterNetworkPolicy half: which local endpoints a CNP's
// subject picks, in what order its rules bind to them, and its rules as IR.
//
// Order within a tier: priority, then name (the API leaves equal
// priorities undefined; podwall picks the name so that every node and
// every run agree), then the rule's index in the policy.
//
// Unreadable parts fail closed, as the API asks of implementations that
// meet a newer CRD: a peer with no field podwall knows matches nothing in
// an Accept rule and everything in a Deny or Pass rule; an action podwall
// does not know denies. domainNames peers match nothing (podwall does not
// resolve names), so an allowlist written with them denies instead of
// allowing too much.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "controller/address_ranges.h"
#include "controller/compiler.h"
#include "controller/selector_key.h"

namespace podwall::controller {
namespace {

ir::Tier TierOf(const schema::ClusterNetworkPolicy& p) {
  if (p.spec.tier == "Admin") return ir::Tier::kAdmin;
  if (p.spec.tier == "Baseline") return ir::Tier::kBaseline;
  return ir::Tier::kNone;  // Unknown: the policy cannot be placed.
}

ir::Action ActionOf(const std::string& action) {
  if (action == "Accept") return ir::Action::kAccept;
  if (action == "Pass") return ir::Action::kPass;
  return ir::Action::kDeny;
}

bool PeerIsUnknown(const schema::ClusterNetworkPolicyPeer& p) {
  return !p.namespaces && !p.pods && !p.nodes && !p.networks && !p.domain_names;
}

const std::vector<schema::ClusterNetworkPolicyRule>& RulesOf(
    const schema::ClusterNetworkPolicy& p, ir::Direction dir) {
  return dir == ir::Direction::kIngress ? p.spec.ingress : p.spec.egress;
}

// A CNP's named ports name a container port whatever its protocol.
constexpr ir::Protocol kAllProtocols[] = {
    ir::Protocol::kTCP, ir::Protocol::kUDP, ir::Protocol::kSCTP};

}  // namespace

std::string ClusterRuleId(const std::string& name, ir::Direction direction,
                          int index) {
  return absl::StrCat("ClusterNetworkPolicy//", name, "/",
                      ir::DirectionName(direction), "/", index);
}

bool Compiler::ClusterPolicySelects(const schema::ClusterNetworkPolicy& p,
                                    const Workload& w) const {
  if (!w.eligible || !p.spec.subject || TierOf(p) == ir::Tier::kNone) {
    return false;
  }
  const schema::ClusterNetworkPolicySubject& s = *p.spec.subject;
  if (s.namespaces) return NamespaceMatches(*s.namespaces, w.namespace_);
  if (s.pods) {
    return NamespaceMatches(s.pods->namespace_selector, w.namespace_) &&
           Matches(s.pods->pod_selector, w.labels);
  }
  return false;  // No subject podwall can read: selects nobody.
}

void Compiler::SortClusterPolicies(const ClusterState& state) {
  cluster_order_.clear();
  for (const auto& [name, p] : state.cluster_policies()) {
    if (TierOf(p) == ir::Tier::kNone || !p.spec.priority) continue;
    cluster_order_.push_back({TierOf(p), *p.spec.priority, name});
  }
  std::sort(cluster_order_.begin(), cluster_order_.end());
}

std::vector<std::string> Compiler::BindClusterPolicies(
    const ClusterState& state, const Workload& w, ir::Endpoint& ep) const {
  std::vector<std::string> selected;
  for (const ClusterOrder& o : cluster_order_) {
    const schema::ClusterNetworkPolicy* p = FindClusterPolicy(state, o.name);
    if (!p || !ClusterPolicySelects(*p, w)) continue;
    selected.push_back(o.name);
    for (ir::Direction dir :
         {ir::Direction::kIngress, ir::Direction::kEgress}) {
      ir::EndpointSide& side =
          dir == ir::Direction::kIngress ? ep.ingress : ep.egress;
      std::vector<ir::EndpointRule>& bound =
          o.tier == ir::Tier::kAdmin ? side.admin : side.baseline;
      const auto& rules = RulesOf(*p, dir);
      for (std::size_t i = 0; i < rules.size(); ++i) {
        ir::EndpointRule b;
        b.rule_id = ClusterRuleId(o.name, dir, static_cast<int>(i));
        // Ingress named ports resolve against this endpoint (the
        // destination); egress ones through the rule's port set.
        if (dir == ir::Direction::kIngress && rules[i].protocols) {
          for (const auto& proto : *rules[i].protocols) {
            if (!proto.destination_named_port) continue;
            for (const NamedPort& np : w.named_ports) {
              if (np.name == *proto.destination_named_port) {
                b.named_ports.push_back({np.protocol, np.port, np.port});
              }
            }
          }
          std::sort(b.named_ports.begin(), b.named_ports.end());
          b.named_ports.erase(
              std::unique(b.named_ports.begin(), b.named_ports.end()),
              b.named_ports.end());
        }
        bound.push_back(std::move(b));
      }
    }
  }
  return selected;
}

const schema::ClusterNetworkPolicy* Compiler::FindClusterPolicy(
    const ClusterState& state, const std::string& name) {
  auto it = state.cluster_policies().find(name);
  return it == state.cluster_policies().end() ? nullptr : &it->second;
}

void Compiler::CompileClusterPolicy(const ClusterState& state,
                                    const std::string& name) {
  const schema::ClusterNetworkPolicy* policy = FindClusterPolicy(state, name);
  if (!policy) return;
  PolicyUse& use = cluster_use_[name];
  use.compiled = true;
  use.rule_ids.clear();
  const std::string no_namespace;
  for (ir::Direction dir : {ir::Direction::kIngress, ir::Direction::kEgress}) {
    const auto& rules = RulesOf(*policy, dir);
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const schema::ClusterNetworkPolicyRule& in = rules[i];
      ir::Rule r;
      const int index = static_cast<int>(i);
      r.id = ClusterRuleId(name, dir, index);
      r.origin = {"ClusterNetworkPolicy",
                  "",
                  name,
                  dir,
                  index,
                  TierOf(*policy),
                  policy->spec.priority.value_or(0),
                  in.name};
      r.action = ActionOf(in.action);
      const bool accept = r.action == ir::Action::kAccept;
      const std::vector<schema::ClusterNetworkPolicyPeer> none;
      const auto& peers = in.peers ? *in.peers : none;
      // No peers at all (a rule the CRD would refuse) fails closed too.
      r.any_peer = !accept && peers.empty();
      for (const auto& peer : peers) {
        if (PeerIsUnknown(peer) && !accept) r.any_peer = true;
      }
      std::vector<ir::AddressRange> ranges;
      std::set<std::string> pod_set_keys;
      for (const auto& peer : peers) {
        if (r.any_peer) break;
        std::optional<schema::NetworkPolicyPeer> pods;
        if (peer.namespaces) {
          pods = schema::NetworkPolicyPeer{schema::LabelSelector{},
                                           *peer.namespaces, std::nullopt};
        } else if (peer.pods) {
          pods = schema::NetworkPolicyPeer{peer.pods->pod_selector,
                                           peer.pods->namespace_selector,
                                           std::nullopt};
        } else if (peer.networks) {
          for (const std::string& cidr : *peer.networks) {
            for (const auto& range : IpBlockRanges({cidr, {}})) {
              ranges.push_back(range);
            }
          }
        } else if (peer.nodes) {
          use.node_peers = true;
          for (const auto& [node_name, node] : state.nodes()) {
            if (!Matches(*peer.nodes, node.metadata.labels)) continue;
            for (const schema::NodeAddress& a : node.addresses) {
              if (a.type != "InternalIP" && a.type != "ExternalIP") continue;
              if (auto ip = schema::IpAddress::Parse(a.address)) {
                ranges.push_back({*ip, *ip});
              }
            }
          }
        }
        if (pods && pod_set_keys.insert(PodSetId(no_namespace, *pods)).second) {
          r.pod_set_ids.push_back(AcquirePodSet(state, no_namespace, *pods));
        }
      }
      std::sort(r.pod_set_ids.begin(), r.pod_set_ids.end());
      if (!ranges.empty()) {
        r.cidr_set_id = AcquireCidrSet(NormalizeRanges(std::move(ranges)));
      }
      r.any_port = !in.protocols;
      if (in.protocols) {
        for (const auto& proto : *in.protocols) {
          if (proto.destination_named_port) {
            for (ir::Protocol p : kAllProtocols) {
              r.named_ports.emplace_back(p, *proto.destination_named_port);
            }
            continue;
          }
          for (const auto& [p, ports] :
               {std::pair{ir::Protocol::kTCP, &proto.tcp},
                {ir::Protocol::kUDP, &proto.udp},
                {ir::Protocol::kSCTP, &proto.sctp}}) {
            if (!*ports) continue;
            const auto& port = (*ports)->destination_port;
            if (port && port->number) {
              const auto n = static_cast<uint16_t>(*port->number);
              r.ports.push_back({p, n, n});
            } else if (port && port->range) {
              r.ports.push_back({p, static_cast<uint16_t>(port->range->start),
                                 static_cast<uint16_t>(port->range->end)});
            } else {
              r.ports.push_back({p, 0, 65535});
            }
          }
        }
      }
      AddRule(state, std::move(r), use);
    }
  }
}

void Compiler::RemoveClusterRules(const std::string& name) {
  auto use = cluster_use_.find(name);
  if (use == cluster_use_.end()) return;
  ReleaseRules(use->second.rule_ids);
  use->second.compiled = false;
  use->second.node_peers = false;
}

void Compiler::ReconcileClusterPolicies(const ClusterState& state) {
  std::set<std::string> dirty = std::move(dirty_cluster_policies_);
  dirty_cluster_policies_.clear();
  for (const std::string& name : dirty) {
    auto it = cluster_use_.find(name);
    if (it == cluster_use_.end()) continue;
    const bool want =
        it->second.endpoints > 0 && FindClusterPolicy(state, name) != nullptr;
    if (want && !it->second.compiled) {
      CompileClusterPolicy(state, name);
    } else if (!want && it->second.compiled) {
      RemoveClusterRules(name);
    }
    if (it->second.endpoints == 0 && !it->second.compiled) {
      cluster_use_.erase(it);
    }
  }
}

void Compiler::OnClusterPolicyChanged(const ClusterState& state,
                                      const std::string& name) {
  if (auto use = cluster_use_.find(name);
      use != cluster_use_.end() && use->second.compiled) {
    RemoveClusterRules(name);
  }
  SortClusterPolicies(state);
  // A cluster policy may pick any local endpoint, and its place in the
  // order moves every binding after it.
  // Every local workload is an endpoint, enforced or not.
  std::vector<WorkloadKey> keys;
  for (const auto& [key, ep] : endpoints_) keys.push_back(key);
  for (const WorkloadKey& key : keys) RecomputeEndpoint(state, key);
  dirty_cluster_policies_.insert(name);
  ReconcileDirtyPolicies(state);
}

void Compiler::OnNodeChanged(const ClusterState& state,
                             const std::string& /*name*/) {
  // Node peers are resolved when a policy compiles: recompile those with any.
  std::vector<std::string> names;
  for (const auto& [name, use] : cluster_use_) {
    if (use.compiled && use.node_peers) names.push_back(name);
  }
  for (const std::string& name : names) {
    RemoveClusterRules(name);
    CompileClusterPolicy(state, name);
  }
}

}  // namespace podwall::controller
