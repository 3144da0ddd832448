#ifndef PODWALL_CONTROLLER_COMPILER_H_
#define PODWALL_CONTROLLER_COMPILER_H_

// Compiler: ClusterState -> NodePolicy for one node, kept up to date
// incrementally.
//
// Only what the node must enforce is compiled: its local endpoints (eligible
// workloads whose nodeName is this node), the policies that select at least
// one of them, and the sets those policies' rules reference. An event
// recomputes only what depends on it:
//   workload  its membership in existing pod/port sets, and its endpoint
//   namespace namespace-selector sets for the workloads of that namespace
//   policy    its rules and sets, and the endpoints of its namespace
//   cluster policy  its rules and sets, and every local endpoint
//   node      the cluster policies with node peers
// Each change is recorded in a NodePolicyDelta for the enforcer.
//
// Not thread-safe. The ClusterState passed to every call must be the one the
// event was applied to, and must outlive no assumption: the compiler copies
// what it keeps.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "controller/cluster_state.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::controller {

using ir::ElementDelta;
using ir::NodePolicyDelta;

class Compiler : public ir::NodePolicyView {
 public:
  explicit Compiler(std::string node_name);

  // Drops everything and compiles `state` from scratch.
  void Rebuild(const ClusterState& state);

  // Incremental updates, called after the state applied the change (the
  // object may have been added, updated or deleted).
  void OnNamespaceChanged(const ClusterState& state, const std::string& name);
  void OnWorkloadChanged(const ClusterState& state, const WorkloadKey& key);
  void OnPolicyChanged(const ClusterState& state, const PolicyKey& key);
  // A ClusterNetworkPolicy (by name) or a Node changed.
  void OnClusterPolicyChanged(const ClusterState& state,
                              const std::string& name);
  void OnNodeChanged(const ClusterState& state, const std::string& name);

  // Host-side interfaces of local pods by address (from veth discovery),
  // for anti-spoofing; endpoints whose interface changes are recompiled.
  void SetInterfaces(const ClusterState& state,
                     std::map<schema::IpAddress, std::string> interfaces);

  // The IR as it stands, sorted and deterministic. O(size of the IR).
  ir::NodePolicy Snapshot() const;

  // The IR as it stands, by ID (ir::NodePolicyView).
  const ir::Endpoint* FindEndpoint(const std::string& id) const override;
  const ir::Rule* FindRule(const std::string& id) const override;
  std::optional<ir::PodSet> GetPodSet(const std::string& id) const override;
  std::optional<ir::CidrSet> GetCidrSet(const std::string& id) const override;
  std::optional<ir::PortSet> GetPortSet(const std::string& id) const override;
  std::vector<const ir::Endpoint*> Endpoints() const override;

  // Changes since the previous call (or since construction).
  NodePolicyDelta TakeDelta();

  const std::string& node_name() const { return node_name_; }
  std::size_t endpoint_count() const { return endpoints_.size(); }
  std::size_t rule_count() const { return rules_.size(); }

 private:
  struct PodSetState {
    bool fixed_namespace = true;
    std::string namespace_;  // When fixed_namespace.
    schema::LabelSelector namespace_selector;
    schema::LabelSelector pod_selector;
    std::map<WorkloadKey, std::vector<schema::IpAddress>> members;
    std::map<schema::IpAddress, int> addresses;  // Address -> member count.
    int refs = 0;
  };
  struct CidrSetState {
    std::vector<ir::AddressRange> ranges;
    int refs = 0;
  };
  struct PortSetState {
    // The peers and named ports it resolves: those of the first egress rule
    // that acquired it (every rule sharing it has the same ones).
    ir::Rule rule;
    std::map<WorkloadKey, std::vector<ir::AddressPortTuple>> members;
    std::map<ir::AddressPortTuple, int> tuples;
    int refs = 0;
  };
  struct PolicyUse {
    int endpoints = 0;  // Local endpoints the policy selects.
    bool compiled = false;
    std::vector<std::string> rule_ids;
    bool node_peers = false;  // A cluster policy with `nodes` peers.
  };
  // A cluster policy's place in evaluation order.
  struct ClusterOrder {
    ir::Tier tier;
    int priority;
    std::string name;
    auto operator<=>(const ClusterOrder&) const = default;
  };

  // Selection and matching.
  bool PolicySelects(const schema::NetworkPolicy& policy,
                     const Workload& w) const;
  bool PodSetMatches(const PodSetState& set, const Workload& w) const;
  bool NamespaceMatches(const schema::LabelSelector& selector,
                        const std::string& ns) const;
  bool RulePeersMatch(const ir::Rule& rule, const Workload& w) const;

  // Policies and their rules.
  void CompilePolicy(const ClusterState& state, const PolicyKey& key);
  void RemovePolicyRules(const PolicyKey& key);
  void ReleaseRules(std::vector<std::string>& rule_ids);
  // Sorts the rule's ports, resolves egress named ports through a port
  // set, and records it as one of `use`'s rules.
  void AddRule(const ClusterState& state, ir::Rule r, PolicyUse& use);

  // Cluster policies (compiler_cluster.cc).
  bool ClusterPolicySelects(const schema::ClusterNetworkPolicy& policy,
                            const Workload& w) const;
  static const schema::ClusterNetworkPolicy* FindClusterPolicy(
      const ClusterState& state, const std::string& name);
  void SortClusterPolicies(const ClusterState& state);
  // Binds the rules of the cluster policies that pick `w` to its endpoint,
  // in evaluation order; returns those policies' names.
  std::vector<std::string> BindClusterPolicies(const ClusterState& state,
                                               const Workload& w,
                                               ir::Endpoint& ep) const;
  void CompileClusterPolicy(const ClusterState& state, const std::string& name);
  void RemoveClusterRules(const std::string& name);
  void ReconcileClusterPolicies(const ClusterState& state);
  void ReconcilePolicy(const ClusterState& state, const PolicyKey& key);
  void ReconcileDirtyPolicies(const ClusterState& state);

  // Sets, created on first reference and deleted on last release.
  std::string AcquirePodSet(const ClusterState& state, const std::string& ns,
                            const schema::NetworkPolicyPeer& peer);
  std::string AcquireCidrSet(std::vector<ir::AddressRange> ranges);
  std::string AcquirePortSet(const ClusterState& state, const ir::Rule& rule);
  void ReleasePodSet(const std::string& id);
  void ReleaseCidrSet(const std::string& id);
  void ReleasePortSet(const std::string& id);

  // Per-workload updates.
  void UpdatePodSetMember(const std::string& id, PodSetState& set,
                          const Workload* w, const WorkloadKey& key);
  void UpdatePortSetMember(const std::string& id, PortSetState& set,
                           const Workload* w, const WorkloadKey& key);
  void RecomputeEndpoint(const ClusterState& state, const WorkloadKey& key);
  // Counts `key` among the endpoints of the policies it now selects (and no
  // longer of those it did), marking changed ones dirty.
  static void UpdateUse(const WorkloadKey& key,
                        std::vector<std::string>& selected,
                        std::map<WorkloadKey, std::vector<std::string>>& by_ep,
                        std::map<std::string, PolicyUse>& use,
                        std::set<std::string>& dirty);

  std::string node_name_;

  // The IR, by ID.
  std::map<std::string, ir::Endpoint> endpoints_;
  std::map<std::string, ir::Rule> rules_;
  std::map<std::string, PodSetState> pod_sets_;
  std::map<std::string, CidrSetState> cidr_sets_;
  std::map<std::string, PortSetState> port_sets_;

  // Bookkeeping.
  std::map<PolicyKey, PolicyUse> policy_use_;
  std::map<WorkloadKey, std::vector<PolicyKey>> endpoint_policies_;
  std::map<std::string, std::set<WorkloadKey>> endpoints_by_ns_;
  std::map<std::string, std::set<std::string>> pod_sets_by_ns_;
  std::set<std::string> namespace_selector_sets_;
  std::map<WorkloadKey, std::set<std::string>> member_of_;
  absl::flat_hash_map<std::string, schema::Labels> namespace_labels_;
  std::map<schema::IpAddress, std::string> interfaces_;
  std::set<PolicyKey> dirty_policies_;
  // Cluster policies, by name.
  std::vector<ClusterOrder> cluster_order_;
  std::map<std::string, PolicyUse> cluster_use_;
  std::map<WorkloadKey, std::vector<std::string>> endpoint_cluster_policies_;
  std::set<std::string> dirty_cluster_policies_;

  NodePolicyDelta delta_;
};

// Rule IDs: "NetworkPolicy/<namespace>/<name>/<ingress|egress>/<index>".
std::string RuleId(const std::string& ns, const std::string& name,
                   ir::Direction direction, int index);
// "ClusterNetworkPolicy//<name>/<ingress|egress>/<index>".
std::string ClusterRuleId(const std::string& name, ir::Direction direction,
                          int index);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_COMPILER_H_
