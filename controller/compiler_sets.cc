// The compiler's shared sets: pod sets, CIDR sets and named-port sets are
// created on first reference, kept up to date as workloads change, and
// deleted on last release; every change is recorded in the delta.

#include <algorithm>

#include "controller/address_ranges.h"
#include "controller/compiler.h"
#include "controller/selector_key.h"

namespace podwall::controller {
namespace {

using schema::IpAddress;

// Records that `value` appeared in (or left) a set, cancelling the opposite
// change made earlier in the same delta window.
template <typename T>
void NoteAdded(ElementDelta<T>& d, const T& value) {
  if (d.removed.erase(value) == 0) d.added.insert(value);
}
template <typename T>
void NoteRemoved(ElementDelta<T>& d, const T& value) {
  if (d.added.erase(value) == 0) d.removed.insert(value);
}

void NoteCreated(std::set<std::string>& created, std::set<std::string>& deleted,
                 const std::string& id) {
  if (deleted.erase(id) == 0) created.insert(id);
}
void NoteDeleted(std::set<std::string>& created, std::set<std::string>& deleted,
                 const std::string& id) {
  if (created.erase(id) == 0) deleted.insert(id);
}

}  // namespace

std::string Compiler::AcquirePodSet(const ClusterState& state,
                                    const std::string& ns,
                                    const schema::NetworkPolicyPeer& peer) {
  const std::string key = PodSetId(ns, peer);
  auto [it, inserted] = pod_sets_.try_emplace(key);
  PodSetState& set = it->second;
  ++set.refs;
  if (!inserted) return key;

  set.fixed_namespace = !peer.namespace_selector;
  if (set.fixed_namespace) {
    set.namespace_ = ns;
    pod_sets_by_ns_[ns].insert(key);
  } else {
    set.namespace_selector = *peer.namespace_selector;
    namespace_selector_sets_.insert(key);
  }
  if (peer.pod_selector) set.pod_selector = *peer.pod_selector;
  NoteCreated(delta_.pod_sets_created, delta_.pod_sets_deleted, key);

  // Candidates from the narrowest index, then the exact check.
  auto consider = [&](const ClusterState::WorkloadKeys& keys) {
    for (std::string_view wk : keys) {
      const Workload* w = state.FindWorkload(wk);
      if (w) UpdatePodSetMember(key, set, w, w->key);
    }
  };
  const auto& labels = set.pod_selector.match_labels;
  const ClusterState::WorkloadKeys* by_label = nullptr;
  for (const auto& [k, v] : labels) {
    const auto& candidates = state.WorkloadsWithLabel(k, v);
    if (!by_label || candidates.size() < by_label->size()) {
      by_label = &candidates;
    }
  }
  if (set.fixed_namespace) {
    const auto& in_ns = state.WorkloadsInNamespace(ns);
    consider(by_label && by_label->size() < in_ns.size() ? *by_label : in_ns);
  } else if (by_label) {
    consider(*by_label);
  } else {
    for (const auto& [name, ns_labels] : namespace_labels_) {
      if (Matches(set.namespace_selector, ns_labels)) {
        consider(state.WorkloadsInNamespace(name));
      }
    }
  }
  // A new set's content is sent whole; no element delta needed.
  delta_.pod_set_elements.erase(key);
  return key;
}

void Compiler::ReleasePodSet(const std::string& id) {
  auto it = pod_sets_.find(id);
  if (it == pod_sets_.end() || --it->second.refs > 0) return;
  for (const auto& [wk, addrs] : it->second.members) {
    auto m = member_of_.find(wk);
    if (m == member_of_.end()) continue;
    m->second.erase(id);
    if (m->second.empty()) member_of_.erase(m);
  }
  if (it->second.fixed_namespace) {
    auto ns = pod_sets_by_ns_.find(it->second.namespace_);
    if (ns != pod_sets_by_ns_.end()) {
      ns->second.erase(id);
      if (ns->second.empty()) pod_sets_by_ns_.erase(ns);
    }
  } else {
    namespace_selector_sets_.erase(id);
  }
  pod_sets_.erase(it);
  delta_.pod_set_elements.erase(id);
  NoteDeleted(delta_.pod_sets_created, delta_.pod_sets_deleted, id);
}

std::string Compiler::AcquireCidrSet(std::vector<ir::AddressRange> ranges) {
  const std::string key = CidrSetId(ranges);
  auto [it, inserted] = cidr_sets_.try_emplace(key);
  ++it->second.refs;
  if (inserted) {
    it->second.ranges = std::move(ranges);
    NoteCreated(delta_.cidr_sets_created, delta_.cidr_sets_deleted, key);
  }
  return key;
}

void Compiler::ReleaseCidrSet(const std::string& id) {
  auto it = cidr_sets_.find(id);
  if (it == cidr_sets_.end() || --it->second.refs > 0) return;
  cidr_sets_.erase(it);
  NoteDeleted(delta_.cidr_sets_created, delta_.cidr_sets_deleted, id);
}

std::string Compiler::AcquirePortSet(const ClusterState& state,
                                     const ir::Rule& rule) {
  const std::string key = PortSetId(rule);
  auto [it, inserted] = port_sets_.try_emplace(key);
  PortSetState& set = it->second;
  ++set.refs;
  if (!inserted) return key;
  set.rule = rule;
  NoteCreated(delta_.port_sets_created, delta_.port_sets_deleted, key);
  if (rule.any_peer || !rule.cidr_set_id.empty()) {
    for (const auto& [wk, w] : state.workloads()) {
      UpdatePortSetMember(key, set, &w, wk);
    }
  } else {
    std::set<WorkloadKey> candidates;
    for (const std::string& id : rule.pod_set_ids) {
      for (const auto& [wk, addrs] : pod_sets_.at(id).members) {
        candidates.insert(wk);
      }
    }
    for (const WorkloadKey& wk : candidates) {
      UpdatePortSetMember(key, set, state.FindWorkload(wk), wk);
    }
  }
  delta_.port_set_elements.erase(key);
  return key;
}

void Compiler::ReleasePortSet(const std::string& id) {
  auto it = port_sets_.find(id);
  if (it == port_sets_.end() || --it->second.refs > 0) return;
  port_sets_.erase(it);
  delta_.port_set_elements.erase(id);
  NoteDeleted(delta_.port_sets_created, delta_.port_sets_deleted, id);
}

void Compiler::UpdatePodSetMember(const std::string& id, PodSetState& set,
                                  const Workload* w, const WorkloadKey& key) {
  const bool want = w && PodSetMatches(set, *w);
  auto it = set.members.find(key);
  if (!want && it == set.members.end()) return;
  static const std::vector<IpAddress> kNone;
  const std::vector<IpAddress>& now = want ? w->addresses : kNone;
  if (it != set.members.end() && it->second == now) return;
  ElementDelta<IpAddress>& d = delta_.pod_set_elements[id];
  if (it != set.members.end()) {
    for (const IpAddress& a : it->second) {
      auto count = set.addresses.find(a);
      if (count != set.addresses.end() && --count->second == 0) {
        set.addresses.erase(count);
        NoteRemoved(d, a);
      }
    }
  }
  for (const IpAddress& a : now) {
    if (set.addresses[a]++ == 0) NoteAdded(d, a);
  }
  if (want) {
    set.members[key] = now;
    member_of_[key].insert(id);
  } else {
    set.members.erase(it);
    auto m = member_of_.find(key);
    if (m != member_of_.end()) {
      m->second.erase(id);
      if (m->second.empty()) member_of_.erase(m);
    }
  }
  if (d.added.empty() && d.removed.empty()) delta_.pod_set_elements.erase(id);
}

void Compiler::UpdatePortSetMember(const std::string& id, PortSetState& set,
                                   const Workload* w, const WorkloadKey& key) {
  std::vector<ir::AddressPortTuple> now;
  if (w && w->eligible) {
    const ir::Rule& rule = set.rule;
    const bool by_selector = RulePeersMatch(rule, *w);
    const CidrSetState* cidr = nullptr;
    if (!rule.cidr_set_id.empty()) {
      auto c = cidr_sets_.find(rule.cidr_set_id);
      if (c != cidr_sets_.end()) cidr = &c->second;
    }
    for (const auto& [proto, name] : rule.named_ports) {
      for (const NamedPort& np : w->named_ports) {
        if (np.name != name || np.protocol != proto) continue;
        for (const IpAddress& a : w->addresses) {
          if (by_selector || (cidr && RangesContain(cidr->ranges, a))) {
            now.push_back({a, proto, np.port});
          }
        }
      }
    }
    std::sort(now.begin(), now.end());
    now.erase(std::unique(now.begin(), now.end()), now.end());
  }
  auto it = set.members.find(key);
  if (now.empty() && it == set.members.end()) return;
  if (it != set.members.end() && it->second == now) return;
  ElementDelta<ir::AddressPortTuple>& d = delta_.port_set_elements[id];
  if (it != set.members.end()) {
    for (const auto& t : it->second) {
      auto count = set.tuples.find(t);
      if (count != set.tuples.end() && --count->second == 0) {
        set.tuples.erase(count);
        NoteRemoved(d, t);
      }
    }
  }
  for (const auto& t : now) {
    if (set.tuples[t]++ == 0) NoteAdded(d, t);
  }
  if (now.empty()) {
    set.members.erase(it);
  } else {
    set.members[key] = std::move(now);
  }
  if (d.added.empty() && d.removed.empty()) delta_.port_set_elements.erase(id);
}

}  // namespace podwall::controller
