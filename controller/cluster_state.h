#ifndef PODWALL_CONTROLLER_CLUSTER_STATE_H_
#define PODWALL_CONTROLLER_CLUSTER_STATE_H_

// ClusterState: the store of namespaces, workloads and policies that every
// source (manifest files, Kubernetes, Docker) feeds with add/update/delete
// events, plus the indexes the compiler uses to resolve selectors without
// scanning every pod:
//   namespace -> workloads, label key -> workloads, (key, value) -> workloads,
//   namespace -> policies.
// Not thread-safe: owned by the single-threaded sync loop.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "policy-schema/api_types.h"
#include "policy-schema/ip_prefix.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::controller {

using schema::Labels;

// "namespace/name".
using WorkloadKey = std::string;
using PolicyKey = std::string;

struct NamedPort {
  std::string name;
  ir::Protocol protocol = ir::Protocol::kTCP;
  uint16_t port = 0;

  auto operator<=>(const NamedPort&) const = default;
};

// A pod (or a Docker container, which the Docker source reports as a pod)
// as policy sees it.
struct Workload {
  WorkloadKey key;
  std::string namespace_;
  std::string name;
  Labels labels;
  std::string node_name;
  // What the pod's status says, sorted and unique.
  std::vector<schema::IpAddress> claimed_addresses;
  // The claimed addresses the workload holds: all of them, but for those a
  // newer workload claims too (ClusterState resolves such conflicts).
  std::vector<schema::IpAddress> addresses;  // Sorted, unique.
  std::vector<NamedPort> named_ports;        // Sorted.
  bool host_network = false;
  // Not hostNetwork, and not in phase Succeeded or Failed: the workload
  // claims its addresses.
  bool running = false;
  // metadata.creationTimestamp (RFC 3339; empty when unknown).
  std::string created;
  // Policy applies: running and holds an address. Ineligible workloads are
  // neither selected nor peers.
  bool eligible = false;

  bool operator==(const Workload&) const = default;
};

// Two running workloads that claim one address (an address reused before
// the old pod's deletion is seen, a manifest with a duplicated podIP): the
// newer (by creation time, then by the order the claims were seen) holds
// it; the others lose it while the conflict lasts, so only one workload is
// ever known by an address and the node's ruleset stays consistent.
struct AddressConflict {
  schema::IpAddress address;
  WorkloadKey holder;
  std::vector<WorkloadKey> losers;

  bool operator==(const AddressConflict&) const = default;
};

// Builds the Workload for a (defaulted, valid) Pod.
Workload WorkloadFromPod(const schema::Pod& pod);

class ClusterState {
 public:
  ClusterState() = default;
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  // Each mutation returns true when it changed anything.
  bool UpsertNamespace(const schema::Namespace& ns);
  bool DeleteNamespace(const std::string& name);
  bool UpsertWorkload(Workload workload);
  bool DeleteWorkload(const WorkloadKey& key);
  bool UpsertPolicy(const schema::NetworkPolicy& policy);
  bool DeletePolicy(const PolicyKey& key);
  // ClusterNetworkPolicies and Nodes are cluster-scoped: keyed by name.
  bool UpsertClusterPolicy(const schema::ClusterNetworkPolicy& policy);
  bool DeleteClusterPolicy(const std::string& name);
  bool UpsertNode(const schema::Node& node);
  bool DeleteNode(const std::string& name);

  // Labels of a namespace. A namespace no object describes (a file with pods
  // but no Namespace) still has its kubernetes.io/metadata.name label.
  Labels NamespaceLabels(const std::string& name) const;
  bool HasNamespaceObject(const std::string& name) const;

  const Workload* FindWorkload(std::string_view key) const;
  // The workload that holds `ip`.
  const Workload* FindWorkloadByAddress(const schema::IpAddress& ip) const;

  // Addresses claimed by more than one running workload, by address.
  std::vector<AddressConflict> AddressConflicts() const;
  std::size_t address_conflict_count() const { return contested_.size(); }
  // Workloads whose held addresses changed because another workload was
  // upserted or deleted (it took or gave back an address they claim):
  // whoever compiles must hear of them too. Cleared by the call.
  std::set<WorkloadKey> TakeAddressChanges();
  const schema::NetworkPolicy* FindPolicy(const PolicyKey& key) const;

  // Every namespace that has an object or a workload, sorted.
  std::vector<std::string> NamespaceNames() const;

  const std::map<WorkloadKey, Workload, std::less<>>& workloads() const {
    return workloads_;
  }
  const std::map<PolicyKey, schema::NetworkPolicy>& policies() const {
    return policies_;
  }
  const std::map<std::string, schema::Namespace>& namespace_objects() const {
    return namespaces_;
  }
  const std::map<std::string, schema::ClusterNetworkPolicy>& cluster_policies()
      const {
    return cluster_policies_;
  }
  const std::map<std::string, schema::Node>& nodes() const { return nodes_; }

  // Workload keys, as views of the workload map's own keys: valid while
  // the workload is in the state. (A copy of each key per index entry cost
  // 60 MB at 100,000 pods.)
  using WorkloadKeys = std::set<std::string_view>;
  // Index look-ups (empty set when none).
  const WorkloadKeys& WorkloadsInNamespace(const std::string& ns) const;
  const WorkloadKeys& WorkloadsWithLabel(const std::string& key,
                                         const std::string& value) const;
  const WorkloadKeys& WorkloadsWithLabelKey(const std::string& key) const;
  const std::set<PolicyKey>& PoliciesInNamespace(const std::string& ns) const;

 private:
  void IndexWorkload(const Workload& w, bool add);
  struct AddressClaim {
    WorkloadKey key;
    std::string created;
    uint64_t seq = 0;  // Order the claim was seen in.
  };
  // Moves a workload's claims on addresses from what `before` claimed to
  // what `now` claims (either may be null: added, deleted); a claim kept
  // keeps its place in the order.
  void Claim(const Workload* before, const Workload* now);
  // Recomputes which workload holds each of `ips`, updating the held
  // addresses (and indexes) of every claimant whose share changed.
  void Resolve(const std::set<schema::IpAddress>& ips,
               const WorkloadKey& changed);

  std::map<std::string, schema::Namespace> namespaces_;
  std::map<WorkloadKey, Workload, std::less<>> workloads_;
  std::map<PolicyKey, schema::NetworkPolicy> policies_;
  std::map<std::string, schema::ClusterNetworkPolicy> cluster_policies_;
  std::map<std::string, schema::Node> nodes_;

  absl::flat_hash_map<std::string, WorkloadKeys> by_namespace_;
  absl::flat_hash_map<std::string, WorkloadKeys> by_label_;
  absl::flat_hash_map<std::string, WorkloadKeys> by_label_key_;
  absl::flat_hash_map<std::string, std::set<PolicyKey>> policies_by_ns_;
  // Holders, as views of the workload map's keys.
  std::map<schema::IpAddress, std::string_view> by_address_;
  std::map<schema::IpAddress, std::vector<AddressClaim>> claims_;
  std::set<schema::IpAddress> contested_;  // Claimed more than once.
  uint64_t next_claim_ = 1;
  std::set<WorkloadKey> address_changes_;
};

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_CLUSTER_STATE_H_
