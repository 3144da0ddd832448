#include "controller/cluster_state.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "policy-schema/defaults.h"

namespace podwall::controller {
namespace {

template <typename Set>
const Set& EmptySet() {
  static const auto* empty = new Set();
  return *empty;
}

template <typename Map>
const typename Map::mapped_type& Lookup(const Map& map,
                                        const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? EmptySet<typename Map::mapped_type>() : it->second;
}

std::string LabelIndexKey(const std::string& key, const std::string& value) {
  std::string k = key;
  k += '\0';
  k += value;
  return k;
}

}  // namespace

Workload WorkloadFromPod(const schema::Pod& pod) {
  Workload w;
  w.namespace_ = pod.metadata.namespace_;
  w.name = pod.metadata.name;
  w.key = w.namespace_ + "/" + w.name;
  w.labels = pod.metadata.labels;
  w.node_name = pod.spec.node_name;
  w.host_network = pod.spec.host_network;
  std::vector<std::string> ips = pod.status.pod_ips;
  if (ips.empty() && !pod.status.pod_ip.empty())
    ips.push_back(pod.status.pod_ip);
  for (const std::string& text : ips) {
    if (auto ip = schema::IpAddress::Parse(text)) {
      w.claimed_addresses.push_back(*ip);
    }
  }
  std::sort(w.claimed_addresses.begin(), w.claimed_addresses.end());
  w.claimed_addresses.erase(
      std::unique(w.claimed_addresses.begin(), w.claimed_addresses.end()),
      w.claimed_addresses.end());
  w.addresses = w.claimed_addresses;
  w.created = pod.metadata.creation_timestamp;
  for (const schema::Container& c : pod.spec.containers) {
    for (const schema::ContainerPort& p : c.ports) {
      if (p.name.empty()) continue;
      auto proto = ir::ParseProtocol(p.protocol.value_or("TCP"));
      if (!proto || p.container_port < 1 || p.container_port > 65535) continue;
      w.named_ports.push_back(
          {p.name, *proto, static_cast<uint16_t>(p.container_port)});
    }
  }
  std::sort(w.named_ports.begin(), w.named_ports.end());
  const bool terminal =
      pod.status.phase == "Succeeded" || pod.status.phase == "Failed";
  w.running = !w.host_network && !terminal;
  w.eligible = w.running && !w.addresses.empty();
  return w;
}

bool ClusterState::UpsertNamespace(const schema::Namespace& ns) {
  auto it = namespaces_.find(ns.metadata.name);
  if (it != namespaces_.end() && it->second == ns) return false;
  namespaces_[ns.metadata.name] = ns;
  return true;
}

bool ClusterState::DeleteNamespace(const std::string& name) {
  return namespaces_.erase(name) > 0;
}

Labels ClusterState::NamespaceLabels(const std::string& name) const {
  auto it = namespaces_.find(name);
  Labels labels;
  if (it != namespaces_.end()) labels = it->second.metadata.labels;
  labels[schema::kNamespaceNameLabel] = name;
  return labels;
}

bool ClusterState::HasNamespaceObject(const std::string& name) const {
  return namespaces_.contains(name);
}

void ClusterState::IndexWorkload(const Workload& w, bool add) {
  // The view is of the map's key, which lives as long as the workload.
  const std::string_view wk = workloads_.find(w.key)->first;
  auto apply = [&](auto& map, const std::string& key) {
    if (add) {
      map[key].insert(wk);
      return;
    }
    auto it = map.find(key);
    if (it == map.end()) return;
    it->second.erase(wk);
    if (it->second.empty()) map.erase(it);
  };
  apply(by_namespace_, w.namespace_);
  for (const auto& [k, v] : w.labels) {
    apply(by_label_, LabelIndexKey(k, v));
    apply(by_label_key_, k);
  }
}

void ClusterState::Claim(const Workload* before, const Workload* now) {
  // hostNetwork and finished pods claim nothing (hostNetwork pods share the
  // node's addresses).
  const auto claimed = [](const Workload* w) {
    return w && w->running ? w->claimed_addresses
                           : std::vector<schema::IpAddress>();
  };
  const std::vector<schema::IpAddress> old_ips = claimed(before);
  const std::vector<schema::IpAddress> new_ips = claimed(now);
  const WorkloadKey& key = now ? now->key : before->key;
  for (const schema::IpAddress& ip : old_ips) {
    if (std::binary_search(new_ips.begin(), new_ips.end(), ip)) continue;
    auto it = claims_.find(ip);
    if (it == claims_.end()) continue;
    std::erase_if(it->second,
                  [&](const AddressClaim& c) { return c.key == key; });
    if (it->second.size() < 2) contested_.erase(ip);
    if (it->second.empty()) claims_.erase(it);
  }
  for (const schema::IpAddress& ip : new_ips) {
    std::vector<AddressClaim>& claims = claims_[ip];
    auto mine =
        std::find_if(claims.begin(), claims.end(),
                     [&](const AddressClaim& c) { return c.key == key; });
    if (mine != claims.end()) {
      mine->created = now->created;  // A claim kept keeps its place.
    } else {
      claims.push_back({key, now->created, next_claim_++});
    }
    if (claims.size() > 1) contested_.insert(ip);
  }
}

void ClusterState::Resolve(const std::set<schema::IpAddress>& ips,
                           const WorkloadKey& changed) {
  std::set<WorkloadKey> claimants = {changed};
  for (const schema::IpAddress& ip : ips) {
    auto it = claims_.find(ip);
    if (it == claims_.end()) {
      by_address_.erase(ip);
      continue;
    }
    // The newest claim holds: by creation time, then the latest seen.
    const AddressClaim& holder = *std::max_element(
        it->second.begin(), it->second.end(),
        [](const AddressClaim& a, const AddressClaim& b) {
          return std::tie(a.created, a.seq) < std::tie(b.created, b.seq);
        });
    // Claims are made and dropped with the workload: the holder is there.
    auto held_by = workloads_.find(holder.key);
    if (held_by == workloads_.end()) {
      by_address_.erase(ip);
      continue;
    }
    by_address_[ip] = held_by->first;
    for (const AddressClaim& c : it->second) claimants.insert(c.key);
  }
  for (const WorkloadKey& key : claimants) {
    auto w = workloads_.find(key);
    if (w == workloads_.end()) continue;
    std::vector<schema::IpAddress> held;
    for (const schema::IpAddress& ip : w->second.claimed_addresses) {
      auto h = by_address_.find(ip);
      if (!w->second.running || (h != by_address_.end() && h->second == key)) {
        held.push_back(ip);
      }
    }
    if (held == w->second.addresses) continue;
    w->second.addresses = std::move(held);
    w->second.eligible = w->second.running && !w->second.addresses.empty();
    if (key != changed) address_changes_.insert(key);
  }
}

bool ClusterState::UpsertWorkload(Workload workload) {
  std::set<schema::IpAddress> affected(workload.claimed_addresses.begin(),
                                       workload.claimed_addresses.end());
  auto it = workloads_.find(workload.key);
  if (it != workloads_.end()) {
    // What addresses a workload holds is the state's to say: compare the
    // rest.
    workload.addresses = it->second.addresses;
    workload.eligible = it->second.eligible;
    if (it->second == workload) return false;
    affected.insert(it->second.claimed_addresses.begin(),
                    it->second.claimed_addresses.end());
    Claim(&it->second, &workload);
    IndexWorkload(it->second, /*add=*/false);
    it->second = std::move(workload);
  } else {
    Claim(nullptr, &workload);
    it = workloads_.emplace(workload.key, std::move(workload)).first;
  }
  Workload& w = it->second;
  w.addresses = w.claimed_addresses;
  w.eligible = w.running && !w.addresses.empty();
  IndexWorkload(w, /*add=*/true);
  Resolve(affected, w.key);
  return true;
}

bool ClusterState::DeleteWorkload(const WorkloadKey& key) {
  auto it = workloads_.find(key);
  if (it == workloads_.end()) return false;
  const std::set<schema::IpAddress> affected(
      it->second.claimed_addresses.begin(), it->second.claimed_addresses.end());
  Claim(&it->second, nullptr);
  IndexWorkload(it->second, /*add=*/false);
  workloads_.erase(it);
  Resolve(affected, key);
  return true;
}

std::vector<AddressConflict> ClusterState::AddressConflicts() const {
  std::vector<AddressConflict> out;
  for (const schema::IpAddress& ip : contested_) {
    AddressConflict c{ip, std::string(by_address_.at(ip)), {}};
    for (const AddressClaim& claim : claims_.at(ip)) {
      if (claim.key != c.holder) c.losers.push_back(claim.key);
    }
    std::sort(c.losers.begin(), c.losers.end());
    out.push_back(std::move(c));
  }
  return out;
}

std::set<WorkloadKey> ClusterState::TakeAddressChanges() {
  return std::exchange(address_changes_, {});
}

bool ClusterState::UpsertPolicy(const schema::NetworkPolicy& policy) {
  const PolicyKey key = policy.metadata.namespace_ + "/" + policy.metadata.name;
  auto it = policies_.find(key);
  if (it != policies_.end() && it->second.spec == policy.spec &&
      it->second.metadata.labels == policy.metadata.labels) {
    return false;
  }
  policies_[key] = policy;
  policies_by_ns_[policy.metadata.namespace_].insert(key);
  return true;
}

bool ClusterState::DeletePolicy(const PolicyKey& key) {
  auto it = policies_.find(key);
  if (it == policies_.end()) return false;
  auto ns = policies_by_ns_.find(it->second.metadata.namespace_);
  if (ns != policies_by_ns_.end()) {
    ns->second.erase(key);
    if (ns->second.empty()) policies_by_ns_.erase(ns);
  }
  policies_.erase(it);
  return true;
}

bool ClusterState::UpsertClusterPolicy(
    const schema::ClusterNetworkPolicy& policy) {
  auto it = cluster_policies_.find(policy.metadata.name);
  if (it != cluster_policies_.end() && it->second.spec == policy.spec) {
    return false;
  }
  cluster_policies_[policy.metadata.name] = policy;
  return true;
}

bool ClusterState::DeleteClusterPolicy(const std::string& name) {
  return cluster_policies_.erase(name) > 0;
}

bool ClusterState::UpsertNode(const schema::Node& node) {
  auto it = nodes_.find(node.metadata.name);
  if (it != nodes_.end() && it->second.addresses == node.addresses &&
      it->second.metadata.labels == node.metadata.labels) {
    return false;
  }
  nodes_[node.metadata.name] = node;
  return true;
}

bool ClusterState::DeleteNode(const std::string& name) {
  return nodes_.erase(name) > 0;
}

const Workload* ClusterState::FindWorkload(std::string_view key) const {
  auto it = workloads_.find(key);
  return it == workloads_.end() ? nullptr : &it->second;
}

const Workload* ClusterState::FindWorkloadByAddress(
    const schema::IpAddress& ip) const {
  auto it = by_address_.find(ip);
  return it == by_address_.end() ? nullptr : FindWorkload(it->second);
}

const schema::NetworkPolicy* ClusterState::FindPolicy(
    const PolicyKey& key) const {
  auto it = policies_.find(key);
  return it == policies_.end() ? nullptr : &it->second;
}

std::vector<std::string> ClusterState::NamespaceNames() const {
  std::set<std::string> names;
  for (const auto& [name, ns] : namespaces_) names.insert(name);
  for (const auto& [name, keys] : by_namespace_) names.insert(name);
  return {names.begin(), names.end()};
}

const ClusterState::WorkloadKeys& ClusterState::WorkloadsInNamespace(
    const std::string& ns) const {
  return Lookup(by_namespace_, ns);
}

const ClusterState::WorkloadKeys& ClusterState::WorkloadsWithLabel(
    const std::string& key, const std::string& value) const {
  return Lookup(by_label_, LabelIndexKey(key, value));
}

const ClusterState::WorkloadKeys& ClusterState::WorkloadsWithLabelKey(
    const std::string& key) const {
  return Lookup(by_label_key_, key);
}

const std::set<PolicyKey>& ClusterState::PoliciesInNamespace(
    const std::string& ns) const {
  return Lookup(policies_by_ns_, ns);
}

}  // namespace podwall::controller
