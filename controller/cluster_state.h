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
  std::vector<schema::IpAddress> addresses;  // Sorted, unique.
  std::vector<NamedPort> named_ports;        // Sorted.
  bool host_network = false;
  // Policy applies: has an address, is not hostNetwork, and is not in phase
  // Succeeded or Failed. Ineligible workloads are neither selected nor peers.
  bool eligible = false;

  bool operator==(const Workload&) const = default;
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

  // Labels of a namespace. A namespace no object describes (a file with pods
  // but no Namespace) still has its kubernetes.io/metadata.name label.
  Labels NamespaceLabels(const std::string& name) const;
  bool HasNamespaceObject(const std::string& name) const;

  const Workload* FindWorkload(const WorkloadKey& key) const;
  const Workload* FindWorkloadByAddress(const schema::IpAddress& ip) const;
  const schema::NetworkPolicy* FindPolicy(const PolicyKey& key) const;

  // Every namespace that has an object or a workload, sorted.
  std::vector<std::string> NamespaceNames() const;

  const std::map<WorkloadKey, Workload>& workloads() const {
    return workloads_;
  }
  const std::map<PolicyKey, schema::NetworkPolicy>& policies() const {
    return policies_;
  }
  const std::map<std::string, schema::Namespace>& namespace_objects() const {
    return namespaces_;
  }

  // Index look-ups (empty set when none).
  const std::set<WorkloadKey>& WorkloadsInNamespace(
      const std::string& ns) const;
  const std::set<WorkloadKey>& WorkloadsWithLabel(
      const std::string& key, const std::string& value) const;
  const std::set<WorkloadKey>& WorkloadsWithLabelKey(
      const std::string& key) const;
  const std::set<PolicyKey>& PoliciesInNamespace(const std::string& ns) const;

 private:
  void IndexWorkload(const Workload& w, bool add);

  std::map<std::string, schema::Namespace> namespaces_;
  std::map<WorkloadKey, Workload> workloads_;
  std::map<PolicyKey, schema::NetworkPolicy> policies_;

  absl::flat_hash_map<std::string, std::set<WorkloadKey>> by_namespace_;
  absl::flat_hash_map<std::string, std::set<WorkloadKey>> by_label_;
  absl::flat_hash_map<std::string, std::set<WorkloadKey>> by_label_key_;
  absl::flat_hash_map<std::string, std::set<PolicyKey>> policies_by_ns_;
  std::map<schema::IpAddress, WorkloadKey> by_address_;
};

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_CLUSTER_STATE_H_
