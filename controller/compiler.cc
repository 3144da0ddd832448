#include "controller/compiler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "controller/address_ranges.h"
#include "controller/selector_key.h"
#include "policy-schema/defaults.h"

namespace podwall::controller {
namespace {

using schema::IpAddress;

bool HasType(const schema::NetworkPolicy& p, const char* type) {
  return std::find(p.spec.policy_types.begin(), p.spec.policy_types.end(),
                   type) != p.spec.policy_types.end();
}

std::string PolicyNamespace(const PolicyKey& key) {
  return key.substr(0, key.find('/'));
}

std::vector<ir::PortRange> ResolveIngressNamedPorts(
    const std::vector<schema::NetworkPolicyPort>& ports, const Workload& w) {
  std::vector<ir::PortRange> out;
  for (const schema::NetworkPolicyPort& p : ports) {
    if (!p.port || !p.port->is_name) continue;
    const ir::Protocol proto = ir::ParseProtocol(p.protocol.value_or("TCP"))
                                   .value_or(ir::Protocol::kTCP);
    for (const NamedPort& np : w.named_ports) {
      if (np.name == p.port->name && np.protocol == proto) {
        out.push_back({proto, np.port, np.port});
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::string RuleId(const std::string& ns, const std::string& name,
                   ir::Direction direction, int index) {
  return absl::StrCat("NetworkPolicy/", ns, "/", name, "/",
                      ir::DirectionName(direction), "/", index);
}

Compiler::Compiler(std::string node_name) : node_name_(std::move(node_name)) {}

// --- matching ----------------------------------------------------------------

bool Compiler::NamespaceMatches(const schema::LabelSelector& selector,
                                const std::string& ns) const {
  auto it = namespace_labels_.find(ns);
  if (it != namespace_labels_.end()) return Matches(selector, it->second);
  return Matches(selector, {{schema::kNamespaceNameLabel, ns}});
}

bool Compiler::PolicySelects(const schema::NetworkPolicy& policy,
                             const Workload& w) const {
  return w.eligible && w.namespace_ == policy.metadata.namespace_ &&
         Matches(policy.spec.pod_selector, w.labels);
}

bool Compiler::PodSetMatches(const PodSetState& set, const Workload& w) const {
  if (!w.eligible) return false;
  if (set.fixed_namespace
          ? w.namespace_ != set.namespace_
          : !NamespaceMatches(set.namespace_selector, w.namespace_)) {
    return false;
  }
  return Matches(set.pod_selector, w.labels);
}

bool Compiler::RulePeersMatch(const ir::Rule& rule, const Workload& w) const {
  if (rule.any_peer) return true;
  for (const std::string& id : rule.pod_set_ids) {
    auto it = pod_sets_.find(id);
    if (it != pod_sets_.end() && it->second.members.contains(w.key)) {
      return true;
    }
  }
  return false;
}

// --- full compile ------------------------------------------------------------

void Compiler::Rebuild(const ClusterState& state) {
  endpoints_.clear();
  rules_.clear();
  pod_sets_.clear();
  cidr_sets_.clear();
  port_sets_.clear();
  policy_use_.clear();
  endpoint_policies_.clear();
  endpoints_by_ns_.clear();
  pod_sets_by_ns_.clear();
  namespace_selector_sets_.clear();
  member_of_.clear();
  namespace_labels_.clear();
  dirty_policies_.clear();
  cluster_use_.clear();
  endpoint_cluster_policies_.clear();
  dirty_cluster_policies_.clear();
  delta_ = {};
  SortClusterPolicies(state);
  for (const std::string& ns : state.NamespaceNames()) {
    namespace_labels_[ns] = state.NamespaceLabels(ns);
  }
  for (const auto& [key, w] : state.workloads()) {
    if (w.eligible && w.node_name == node_name_) RecomputeEndpoint(state, key);
  }
  ReconcileDirtyPolicies(state);
}

// --- endpoints ---------------------------------------------------------------

void Compiler::RecomputeEndpoint(const ClusterState& state,
                                 const WorkloadKey& key) {
  const Workload* w = state.FindWorkload(key);
  const bool local = w && w->eligible && w->node_name == node_name_;
  std::vector<PolicyKey> selected;
  std::vector<std::string> cluster_selected;
  std::optional<ir::Endpoint> ep;
  if (local) {
    ep.emplace();
    ep->id = key;
    ep->namespace_ = w->namespace_;
    ep->name = w->name;
    ep->addresses = w->addresses;
    for (const schema::IpAddress& a : ep->addresses) {
      if (auto it = interfaces_.find(a); it != interfaces_.end()) {
        ep->interfaces.push_back(it->second);
      }
    }
    std::sort(ep->interfaces.begin(), ep->interfaces.end());
    ep->interfaces.erase(
        std::unique(ep->interfaces.begin(), ep->interfaces.end()),
        ep->interfaces.end());
    for (const PolicyKey& pkey : state.PoliciesInNamespace(w->namespace_)) {
      const schema::NetworkPolicy* policy = state.FindPolicy(pkey);
      if (!policy || !PolicySelects(*policy, *w)) continue;
      selected.push_back(pkey);
      const std::string& ns = policy->metadata.namespace_;
      const std::string& name = policy->metadata.name;
      if (HasType(*policy, "Ingress")) {
        ep->ingress.isolated = true;
        ep->ingress.policies.push_back(pkey);
        for (std::size_t i = 0; i < policy->spec.ingress.size(); ++i) {
          ep->ingress.rules.push_back(
              {RuleId(ns, name, ir::Direction::kIngress, static_cast<int>(i)),
               ResolveIngressNamedPorts(policy->spec.ingress[i].ports, *w)});
        }
      }
      if (HasType(*policy, "Egress")) {
        ep->egress.isolated = true;
        ep->egress.policies.push_back(pkey);
        for (std::size_t i = 0; i < policy->spec.egress.size(); ++i) {
          ep->egress.rules.push_back(
              {RuleId(ns, name, ir::Direction::kEgress, static_cast<int>(i)),
               {}});
        }
      }
    }
    if (!cluster_order_.empty()) {
      cluster_selected = BindClusterPolicies(state, *w, *ep);
    }
  }
  UpdateUse(key, selected, endpoint_policies_, policy_use_, dirty_policies_);
  UpdateUse(key, cluster_selected, endpoint_cluster_policies_, cluster_use_,
            dirty_cluster_policies_);

  auto it = endpoints_.find(key);
  if (ep) {
    if (it == endpoints_.end() || it->second != *ep) {
      endpoints_by_ns_[ep->namespace_].insert(key);
      endpoints_[key] = std::move(*ep);
      delta_.endpoints.insert(key);
    }
  } else if (it != endpoints_.end()) {
    auto ns = endpoints_by_ns_.find(it->second.namespace_);
    if (ns != endpoints_by_ns_.end()) {
      ns->second.erase(key);
      if (ns->second.empty()) endpoints_by_ns_.erase(ns);
    }
    endpoints_.erase(it);
    delta_.endpoints.insert(key);
  }
}

void Compiler::UpdateUse(const WorkloadKey& key,
                         std::vector<std::string>& selected,
                         std::map<WorkloadKey, std::vector<std::string>>& by_ep,
                         std::map<std::string, PolicyUse>& use,
                         std::set<std::string>& dirty) {
  // Policies gain or lose a local endpoint; compiled lazily afterwards.
  std::vector<std::string>& before = by_ep[key];
  for (const std::string& p : selected) {
    if (std::find(before.begin(), before.end(), p) == before.end()) {
      ++use[p].endpoints;
      dirty.insert(p);
    }
  }
  for (const std::string& p : before) {
    if (std::find(selected.begin(), selected.end(), p) == selected.end()) {
      --use[p].endpoints;
      dirty.insert(p);
    }
  }
  if (selected.empty()) {
    by_ep.erase(key);
  } else {
    before = std::move(selected);
  }
}

// --- policies and rules ----------------------------------------------------

void Compiler::ReconcilePolicy(const ClusterState& state,
                               const PolicyKey& key) {
  auto it = policy_use_.find(key);
  if (it == policy_use_.end()) return;
  const bool want = it->second.endpoints > 0 && state.FindPolicy(key);
  if (want && !it->second.compiled) {
    CompilePolicy(state, key);
  } else if (!want && it->second.compiled) {
    RemovePolicyRules(key);
  }
  if (it->second.endpoints == 0 && !it->second.compiled) policy_use_.erase(it);
}

void Compiler::ReconcileDirtyPolicies(const ClusterState& state) {
  std::set<PolicyKey> dirty = std::move(dirty_policies_);
  dirty_policies_.clear();
  for (const PolicyKey& key : dirty) ReconcilePolicy(state, key);
  ReconcileClusterPolicies(state);
}

void Compiler::CompilePolicy(const ClusterState& state, const PolicyKey& key) {
  const schema::NetworkPolicy* policy = state.FindPolicy(key);
  if (!policy) return;
  PolicyUse& use = policy_use_[key];
  use.compiled = true;
  use.rule_ids.clear();
  const std::string& ns = policy->metadata.namespace_;
  auto compile_rule = [&](ir::Direction dir, int index,
                          const std::vector<schema::NetworkPolicyPort>& ports,
                          const std::vector<schema::NetworkPolicyPeer>& peers) {
    ir::Rule r;
    r.id = RuleId(ns, policy->metadata.name, dir, index);
    r.origin = {"NetworkPolicy",
                ns,
                policy->metadata.name,
                dir,
                index,
                ir::Tier::kNone,
                0,
                ""};
    r.any_peer = peers.empty();
    std::vector<ir::AddressRange> ranges;
    std::set<std::string> pod_set_keys;
    for (const schema::NetworkPolicyPeer& peer : peers) {
      if (peer.ip_block) {
        for (const auto& range : IpBlockRanges(*peer.ip_block)) {
          ranges.push_back(range);
        }
      } else if (pod_set_keys.insert(PodSetId(ns, peer)).second) {
        r.pod_set_ids.push_back(AcquirePodSet(state, ns, peer));
      }
    }
    std::sort(r.pod_set_ids.begin(), r.pod_set_ids.end());
    if (!ranges.empty()) {
      r.cidr_set_id = AcquireCidrSet(NormalizeRanges(std::move(ranges)));
    }
    r.any_port = ports.empty();
    for (const schema::NetworkPolicyPort& p : ports) {
      const ir::Protocol proto = ir::ParseProtocol(p.protocol.value_or("TCP"))
                                     .value_or(ir::Protocol::kTCP);
      if (!p.port) {
        r.ports.push_back({proto, 0, 65535});
      } else if (p.port->is_name) {
        r.named_ports.emplace_back(proto, p.port->name);
      } else {
        const int first = p.port->number;
        const int last = p.end_port.value_or(first);
        r.ports.push_back(
            {proto, static_cast<uint16_t>(first), static_cast<uint16_t>(last)});
      }
    }
    AddRule(state, std::move(r), use);
  };
  if (HasType(*policy, "Ingress")) {
    for (std::size_t i = 0; i < policy->spec.ingress.size(); ++i) {
      compile_rule(ir::Direction::kIngress, static_cast<int>(i),
                   policy->spec.ingress[i].ports, policy->spec.ingress[i].from);
    }
  }
  if (HasType(*policy, "Egress")) {
    for (std::size_t i = 0; i < policy->spec.egress.size(); ++i) {
      compile_rule(ir::Direction::kEgress, static_cast<int>(i),
                   policy->spec.egress[i].ports, policy->spec.egress[i].to);
    }
  }
}

void Compiler::AddRule(const ClusterState& state, ir::Rule r, PolicyUse& use) {
  std::sort(r.ports.begin(), r.ports.end());
  r.ports.erase(std::unique(r.ports.begin(), r.ports.end()), r.ports.end());
  std::sort(r.named_ports.begin(), r.named_ports.end());
  r.named_ports.erase(std::unique(r.named_ports.begin(), r.named_ports.end()),
                      r.named_ports.end());
  if (r.origin.direction == ir::Direction::kEgress && !r.named_ports.empty()) {
    r.port_set_id = AcquirePortSet(state, r);
  }
  delta_.rules.insert(r.id);
  use.rule_ids.push_back(r.id);
  rules_[r.id] = std::move(r);
}

void Compiler::RemovePolicyRules(const PolicyKey& key) {
  auto use = policy_use_.find(key);
  if (use == policy_use_.end()) return;
  ReleaseRules(use->second.rule_ids);
  use->second.compiled = false;
}

void Compiler::ReleaseRules(std::vector<std::string>& rule_ids) {
  for (const std::string& id : rule_ids) {
    auto it = rules_.find(id);
    if (it == rules_.end()) continue;
    const ir::Rule rule = std::move(it->second);
    rules_.erase(it);
    delta_.rules.insert(id);
    if (!rule.port_set_id.empty()) ReleasePortSet(rule.port_set_id);
    for (const std::string& set : rule.pod_set_ids) ReleasePodSet(set);
    if (!rule.cidr_set_id.empty()) ReleaseCidrSet(rule.cidr_set_id);
  }
  rule_ids.clear();
}

// --- events
// ----------------------------------------------------------------------

void Compiler::OnWorkloadChanged(const ClusterState& state,
                                 const WorkloadKey& key) {
  const Workload* w = state.FindWorkload(key);
  if (w && !namespace_labels_.contains(w->namespace_)) {
    namespace_labels_[w->namespace_] = state.NamespaceLabels(w->namespace_);
  }
  std::set<std::string> candidates;
  if (auto m = member_of_.find(key); m != member_of_.end()) {
    candidates = m->second;
  }
  if (w) {
    if (auto s = pod_sets_by_ns_.find(w->namespace_);
        s != pod_sets_by_ns_.end()) {
      candidates.insert(s->second.begin(), s->second.end());
    }
    candidates.insert(namespace_selector_sets_.begin(),
                      namespace_selector_sets_.end());
  }
  for (const std::string& id : candidates) {
    UpdatePodSetMember(id, pod_sets_.at(id), w, key);
  }
  for (auto& [id, set] : port_sets_) UpdatePortSetMember(id, set, w, key);
  RecomputeEndpoint(state, key);
  ReconcileDirtyPolicies(state);
}

void Compiler::OnNamespaceChanged(const ClusterState& state,
                                  const std::string& name) {
  namespace_labels_[name] = state.NamespaceLabels(name);
  const ClusterState::WorkloadKeys& in_ns = state.WorkloadsInNamespace(name);
  for (const std::string& id : namespace_selector_sets_) {
    PodSetState& set = pod_sets_.at(id);
    for (std::string_view wk : in_ns) {
      const Workload* w = state.FindWorkload(wk);
      UpdatePodSetMember(id, set, w, w->key);
    }
  }
  for (auto& [id, set] : port_sets_) {
    for (std::string_view wk : in_ns) {
      const Workload* w = state.FindWorkload(wk);
      UpdatePortSetMember(id, set, w, w->key);
    }
  }
  // Cluster policies pick their subjects by namespace labels.
  if (!cluster_order_.empty()) {
    if (auto eps = endpoints_by_ns_.find(name); eps != endpoints_by_ns_.end()) {
      const std::set<WorkloadKey> keys = eps->second;
      for (const WorkloadKey& wk : keys) RecomputeEndpoint(state, wk);
    }
  }
  ReconcileDirtyPolicies(state);
}

void Compiler::OnPolicyChanged(const ClusterState& state,
                               const PolicyKey& key) {
  if (auto use = policy_use_.find(key);
      use != policy_use_.end() && use->second.compiled) {
    RemovePolicyRules(key);
  }
  const std::string ns = PolicyNamespace(key);
  if (auto eps = endpoints_by_ns_.find(ns); eps != endpoints_by_ns_.end()) {
    const std::set<WorkloadKey> keys = eps->second;
    for (const WorkloadKey& wk : keys) RecomputeEndpoint(state, wk);
  }
  dirty_policies_.insert(key);
  ReconcileDirtyPolicies(state);
}

// --- output
// ----------------------------------------------------------------------

ir::NodePolicy Compiler::Snapshot() const {
  ir::NodePolicy p;
  p.node_name = node_name_;
  p.endpoints.reserve(endpoints_.size());
  for (const auto& [id, e] : endpoints_) p.endpoints.push_back(e);
  p.rules.reserve(rules_.size());
  for (const auto& [id, r] : rules_) p.rules.push_back(r);
  for (const auto& [id, s] : pod_sets_) p.pod_sets.push_back(*GetPodSet(id));
  for (const auto& [id, s] : cidr_sets_) p.cidr_sets.push_back({id, s.ranges});
  for (const auto& [id, s] : port_sets_) {
    p.port_sets.push_back(*GetPortSet(id));
  }
  return p;
}

std::optional<ir::PodSet> Compiler::GetPodSet(const std::string& id) const {
  auto it = pod_sets_.find(id);
  if (it == pod_sets_.end()) return std::nullopt;
  ir::PodSet out;
  out.id = id;
  out.addresses.reserve(it->second.addresses.size());
  for (const auto& [a, n] : it->second.addresses) out.addresses.push_back(a);
  return out;
}

std::optional<ir::CidrSet> Compiler::GetCidrSet(const std::string& id) const {
  auto it = cidr_sets_.find(id);
  if (it == cidr_sets_.end()) return std::nullopt;
  return ir::CidrSet{id, it->second.ranges};
}

std::optional<ir::PortSet> Compiler::GetPortSet(const std::string& id) const {
  auto it = port_sets_.find(id);
  if (it == port_sets_.end()) return std::nullopt;
  ir::PortSet out;
  out.id = id;
  out.tuples.reserve(it->second.tuples.size());
  for (const auto& [t, n] : it->second.tuples) out.tuples.push_back(t);
  return out;
}

std::vector<const ir::Endpoint*> Compiler::Endpoints() const {
  std::vector<const ir::Endpoint*> out;
  out.reserve(endpoints_.size());
  for (const auto& [id, e] : endpoints_) out.push_back(&e);
  return out;
}

void Compiler::SetInterfaces(
    const ClusterState& state,
    std::map<schema::IpAddress, std::string> interfaces) {
  interfaces_ = std::move(interfaces);
  std::vector<WorkloadKey> keys;
  for (const auto& [key, ep] : endpoints_) keys.push_back(key);
  for (const WorkloadKey& key : keys) RecomputeEndpoint(state, key);
  ReconcileDirtyPolicies(state);
}

const ir::Endpoint* Compiler::FindEndpoint(const std::string& id) const {
  auto it = endpoints_.find(id);
  return it == endpoints_.end() ? nullptr : &it->second;
}

const ir::Rule* Compiler::FindRule(const std::string& id) const {
  auto it = rules_.find(id);
  return it == rules_.end() ? nullptr : &it->second;
}

NodePolicyDelta Compiler::TakeDelta() { return std::exchange(delta_, {}); }

}  // namespace podwall::controller
