// Property tests of the compiler over random clusters and event sequences:
//   (1) the incrementally maintained IR equals a full recompile after every
//       event, on every node;
//   (2) evaluating the IRs (egress at the client's node, ingress at the
//       server's) gives the reference evaluator's verdict for every pod pair,
//       external addresses, both families and a spread of ports/protocols.
// The clusters mix NetworkPolicies with ClusterNetworkPolicies of both tiers
// (colliding priorities, every action and peer kind, peers podwall cannot
// read) and Nodes whose addresses are among the probed external ones.

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "controller/ir_evaluator.h"
#include "controller/reference_evaluator.h"
#include "gtest/gtest.h"
#include "policy-schema/defaults.h"
#include "policy-schema/validation.h"

namespace podwall::controller {
namespace {

using schema::IpAddress;

const std::vector<std::string> kNodes = {"node-1", "node-2"};
const std::vector<std::string> kNamespaces = {"a", "b", "c"};

class RandomCluster {
 public:
  explicit RandomCluster(uint64_t seed) : rng_(seed) {}

  int Int(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  bool Chance(int percent) { return Int(1, 100) <= percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Int(0, static_cast<int>(v.size()) - 1)];
  }

  schema::Namespace Namespace(const std::string& name) {
    schema::Namespace ns;
    ns.metadata.name = name;
    if (Chance(60)) ns.metadata.labels["team"] = Pick<std::string>({"x", "y"});
    if (Chance(50))
      ns.metadata.labels["env"] = Pick<std::string>({"prod", "dev"});
    schema::ApplyDefaults(ns);
    return ns;
  }

  schema::Pod Pod(int index) {
    schema::Pod pod;
    pod.metadata.name = absl::StrCat("p", index);
    // One namespace and two possible addresses per index: no two pods ever
    // share an address, but a pod may move between its two.
    pod.metadata.namespace_ = kNamespaces[index % kNamespaces.size()];
    if (Chance(80))
      pod.metadata.labels["app"] = Pick<std::string>({"web", "db", "api"});
    if (Chance(50))
      pod.metadata.labels["tier"] = Pick<std::string>({"front", "back"});
    pod.spec.node_name = Pick(kNodes);
    pod.spec.host_network = Chance(8);
    pod.status.phase = Chance(5) ? "Succeeded" : "Running";
    const int host = index + 1 + (Chance(30) ? 16 : 0);
    if (!Chance(5)) {
      pod.status.pod_ips.push_back(absl::StrCat("10.0.0.", host));
      if (Chance(40))
        pod.status.pod_ips.push_back(absl::StrCat("fd00::", host));
      pod.status.pod_ip = pod.status.pod_ips.front();
    }
    schema::Container c;
    c.name = "c";
    if (Chance(50)) c.ports.push_back({"http", Chance(50) ? 80 : 8080, "TCP"});
    if (Chance(40)) c.ports.push_back({"dns", 53, "UDP"});
    if (Chance(30)) c.ports.push_back({"metrics", 9090, "TCP"});
    pod.spec.containers.push_back(c);
    return pod;
  }

  schema::LabelSelector Selector(bool for_namespace) {
    schema::LabelSelector s;
    const int shape = Int(0, 4);
    if (shape == 0) return s;  // Everything.
    if (for_namespace) {
      if (shape == 1) s.match_labels["team"] = Pick<std::string>({"x", "y"});
      if (shape == 2) {
        s.match_labels["kubernetes.io/metadata.name"] = Pick(kNamespaces);
      }
      if (shape == 3) s.match_expressions.push_back({"env", "Exists", {}});
      if (shape == 4) s.match_expressions.push_back({"env", "NotIn", {"prod"}});
      return s;
    }
    if (shape == 1)
      s.match_labels["app"] = Pick<std::string>({"web", "db", "api"});
    if (shape == 2)
      s.match_expressions.push_back({"app", "In", {"web", "api"}});
    if (shape == 3) s.match_expressions.push_back({"tier", "DoesNotExist", {}});
    if (shape == 4) {
      s.match_labels["tier"] = "front";
      s.match_expressions.push_back({"app", "Exists", {}});
    }
    return s;
  }

  schema::NetworkPolicyPeer Peer() {
    schema::NetworkPolicyPeer p;
    switch (Int(0, 4)) {
      case 0:
        p.pod_selector = Selector(false);
        break;
      case 1:
        p.namespace_selector = Selector(true);
        break;
      case 2:
        p.pod_selector = Selector(false);
        p.namespace_selector = Selector(true);
        break;
      case 3:
        p.ip_block = schema::IPBlock{"10.0.0.0/28", {}};
        if (Chance(60)) p.ip_block->except.push_back("10.0.0.4/30");
        if (Chance(20)) p.ip_block->cidr = "0.0.0.0/0";
        break;
      default:
        p.ip_block = schema::IPBlock{"fd00::/120", {}};
        if (Chance(50)) p.ip_block->except.push_back("fd00::8/125");
        break;
    }
    return p;
  }

  schema::NetworkPolicyPort Port() {
    schema::NetworkPolicyPort p;
    if (Chance(70))
      p.protocol = Pick<std::string>({"TCP", "TCP", "UDP", "SCTP"});
    switch (Int(0, 4)) {
      case 0:
        break;  // Every port of the protocol.
      case 1:
        p.port = schema::PortRef{false, Pick<int>({80, 53, 9090}), ""};
        break;
      case 2:
        p.port = schema::PortRef{false, 8000, ""};
        p.end_port = 8100;
        break;
      default:
        p.port = schema::PortRef{true, 0,
                                 Pick<std::string>({"http", "dns", "metrics"})};
        break;
    }
    return p;
  }

  schema::ClusterNetworkPolicyPeer ClusterPeer(bool egress, bool accept) {
    schema::ClusterNetworkPolicyPeer p;
    switch (Int(0, egress ? 6 : 2)) {
      case 0:
        p.namespaces = Selector(true);
        break;
      case 1:
        p.pods = schema::NamespacedPod{Selector(true), Selector(false)};
        break;
      case 2:
        if (Chance(70)) break;  // Unknown to podwall: fails closed.
        p.pods = schema::NamespacedPod{{}, Selector(false)};
        break;
      case 3:
        p.networks = std::vector<std::string>{
            Pick<std::string>({"10.0.0.0/28", "10.0.0.8/29", "0.0.0.0/0"})};
        if (Chance(40)) p.networks->push_back("fd00::/120");
        break;
      case 4:
        p.networks = std::vector<std::string>{"10.0.0.200/32"};
        break;
      case 5: {
        schema::LabelSelector nodes;
        if (Chance(50))
          nodes.match_labels["role"] = Pick<std::string>({"a", "b"});
        p.nodes = nodes;
        break;
      }
      default:
        if (accept) {
          p.domain_names = std::vector<std::string>{"example.com"};
        } else {
          p.namespaces = Selector(true);
        }
        break;
    }
    return p;
  }

  schema::ClusterNetworkPolicyProtocol ClusterProtocol() {
    schema::ClusterNetworkPolicyProtocol p;
    schema::ClusterNetworkPolicyPort port;
    if (Chance(25)) {
      port.range = schema::ClusterNetworkPolicyPortRange{8000, 8100};
    } else {
      port.number = Pick<int>({80, 53, 9090});
    }
    switch (Int(0, 4)) {
      case 0:
      case 1:
        p.tcp = schema::ClusterNetworkPolicyProtocolPorts{port};
        break;
      case 2:
        p.udp = schema::ClusterNetworkPolicyProtocolPorts{port};
        break;
      case 3:
        p.sctp = schema::ClusterNetworkPolicyProtocolPorts{port};
        break;
      default:
        p.destination_named_port =
            Pick<std::string>({"http", "dns", "metrics"});
        break;
    }
    return p;
  }

  schema::ClusterNetworkPolicy ClusterPolicy(const std::string& name) {
    schema::ClusterNetworkPolicy cnp;
    cnp.metadata.name = name;
    cnp.spec.tier = Chance(60) ? "Admin" : "Baseline";
    cnp.spec.priority = Pick<int>({1, 2, 5});  // Often equal: by name.
    cnp.spec.subject.emplace();
    if (Chance(50)) {
      cnp.spec.subject->namespaces = Selector(true);
    } else {
      cnp.spec.subject->pods =
          schema::NamespacedPod{Selector(true), Selector(false)};
    }
    for (bool egress : {false, true}) {
      const int n = Int(0, 3);
      for (int i = 0; i < n; ++i) {
        schema::ClusterNetworkPolicyRule rule;
        rule.name = absl::StrCat("r", i);
        rule.action = Pick<std::string>({"Accept", "Deny", "Pass"});
        const bool accept = rule.action == "Accept";
        rule.peers.emplace();
        const int peers = Int(1, 2);
        for (int j = 0; j < peers; ++j) {
          rule.peers->push_back(ClusterPeer(egress, accept));
        }
        bool named_ok = true;
        for (const auto& peer : *rule.peers) {
          if (peer.networks || peer.nodes || peer.domain_names) {
            named_ok = false;
          }
        }
        if (Chance(50)) {
          rule.protocols.emplace();
          const int protocols = Int(1, 2);
          for (int j = 0; j < protocols; ++j) {
            schema::ClusterNetworkPolicyProtocol p = ClusterProtocol();
            if (p.destination_named_port && !named_ok) {
              p.destination_named_port.reset();
              p.tcp = schema::ClusterNetworkPolicyProtocolPorts{
                  schema::ClusterNetworkPolicyPort{80, std::nullopt}};
            }
            rule.protocols->push_back(p);
          }
        }
        (egress ? cnp.spec.egress : cnp.spec.ingress).push_back(rule);
      }
    }
    return cnp;
  }

  schema::Node Node(int index) {
    schema::Node node;
    node.metadata.name = kNodes[index];
    node.metadata.labels["role"] = Pick<std::string>({"a", "b"});
    node.addresses.push_back(
        {"InternalIP", index == 0 ? "10.0.0.200" : "fd00::ff"});
    node.addresses.push_back({"Hostname", kNodes[index]});
    return node;
  }

  schema::NetworkPolicy Policy(const std::string& name) {
    schema::NetworkPolicy np;
    np.metadata.name = name;
    np.metadata.namespace_ = Pick(kNamespaces);
    np.spec.pod_selector = Selector(false);
    const int types = Int(0, 3);
    if (types == 1) np.spec.policy_types = {"Ingress"};
    if (types == 2) np.spec.policy_types = {"Egress"};
    if (types == 3) np.spec.policy_types = {"Ingress", "Egress"};
    auto rules = [&](auto& list, auto peers_of) {
      const int n = Int(0, 2);
      for (int i = 0; i < n; ++i) {
        auto& rule = list.emplace_back();
        const int peers = Int(0, 2);
        for (int j = 0; j < peers; ++j) peers_of(rule).push_back(Peer());
        const int ports = Int(0, 2);
        for (int j = 0; j < ports; ++j) rule.ports.push_back(Port());
      }
    };
    rules(
        np.spec.ingress, [](auto& r) -> auto& { return r.from; });
    rules(
        np.spec.egress, [](auto& r) -> auto& { return r.to; });
    schema::ApplyDefaults(np);
    return np;
  }

 private:
  std::mt19937_64 rng_;
};

struct Nodes {
  std::vector<Compiler> compilers;
  Nodes() {
    for (const auto& n : kNodes) compilers.emplace_back(n);
  }
};

// Checks (1) on every node; returns false (with a failure) on mismatch.
bool IncrementalMatchesFull(const ClusterState& state, Nodes& nodes,
                            uint64_t seed, int step) {
  for (Compiler& c : nodes.compilers) {
    Compiler full(c.node_name());
    full.Rebuild(state);
    const std::string got = ir::ToJson(c.Snapshot());
    const std::string want = ir::ToJson(full.Snapshot());
    if (got != want) {
      ADD_FAILURE() << "seed " << seed << " step " << step << " node "
                    << c.node_name() << "\nincremental: " << got
                    << "\nfull:        " << want;
      return false;
    }
  }
  return true;
}

// Checks (2).
bool IrMatchesReference(const ClusterState& state, Nodes& nodes,
                        uint64_t seed) {
  std::vector<ir::NodePolicy> irs;
  for (Compiler& c : nodes.compilers) irs.push_back(c.Snapshot());
  auto ir_of = [&](const std::string& node) -> const ir::NodePolicy* {
    for (std::size_t i = 0; i < kNodes.size(); ++i) {
      if (kNodes[i] == node) return &irs[i];
    }
    return nullptr;
  };
  std::vector<ConnectionEnd> ends;
  for (const auto& [key, w] : state.workloads()) {
    for (const IpAddress& a : w.addresses) ends.push_back({&w, a});
  }
  for (const char* ext :
       {"10.0.0.200", "192.168.1.1", "fd00::ff", "2001:db8::1"}) {
    const IpAddress a = *IpAddress::Parse(ext);
    ends.push_back({state.FindWorkloadByAddress(a), a});
  }
  const std::vector<std::pair<ir::Protocol, uint16_t>> probes = {
      {ir::Protocol::kTCP, 80},  {ir::Protocol::kTCP, 8080},
      {ir::Protocol::kUDP, 53},  {ir::Protocol::kTCP, 9090},
      {ir::Protocol::kSCTP, 80}, {ir::Protocol::kTCP, 8050},
      {ir::Protocol::kUDP, 80},  {ir::Protocol::kTCP, 53}};
  for (const ConnectionEnd& src : ends) {
    for (const ConnectionEnd& dst : ends) {
      if (src.address.family != dst.address.family) continue;
      if (src.address == dst.address) continue;
      for (const auto& [proto, port] : probes) {
        const Verdict ref = Evaluate(state, src, dst, proto, port);
        bool egress = true;
        bool ingress = true;
        // The kernel finds endpoints by address: a pod whose address another
        // (eligible) pod took over is looked up as that pod, as here.
        const Workload* s = state.FindWorkloadByAddress(src.address);
        const Workload* d = state.FindWorkloadByAddress(dst.address);
        if (src.workload && src.workload->eligible && s == src.workload) {
          egress =
              IrAllows(*ir_of(src.workload->node_name), ir::Direction::kEgress,
                       src.address, dst.address, proto, port);
        } else if (src.workload && src.workload->eligible) {
          continue;  // Address ambiguity: not comparable.
        }
        if (dst.workload && dst.workload->eligible && d == dst.workload) {
          ingress =
              IrAllows(*ir_of(dst.workload->node_name), ir::Direction::kIngress,
                       dst.address, src.address, proto, port);
        } else if (dst.workload && dst.workload->eligible) {
          continue;
        }
        if (egress != ref.egress.allowed || ingress != ref.ingress.allowed) {
          ADD_FAILURE() << "seed " << seed << ": "
                        << (src.workload ? src.workload->key : "ext") << " "
                        << src.address.ToString() << " -> "
                        << (dst.workload ? dst.workload->key : "ext") << " "
                        << dst.address.ToString() << " "
                        << ir::ProtocolName(proto) << "/" << port
                        << " reference egress=" << ref.egress.allowed
                        << " ingress=" << ref.ingress.allowed
                        << " ir egress=" << egress << " ingress=" << ingress;
          return false;
        }
      }
    }
  }
  return true;
}

void RunSeed(uint64_t seed) {
  RandomCluster gen(seed);
  ClusterState state;
  Nodes nodes;
  auto on_workload = [&](const std::string& key) {
    for (Compiler& c : nodes.compilers) c.OnWorkloadChanged(state, key);
  };
  auto on_namespace = [&](const std::string& name) {
    for (Compiler& c : nodes.compilers) c.OnNamespaceChanged(state, name);
  };
  auto on_policy = [&](const std::string& key) {
    for (Compiler& c : nodes.compilers) c.OnPolicyChanged(state, key);
  };
  auto on_cluster_policy = [&](const std::string& name) {
    for (Compiler& c : nodes.compilers) c.OnClusterPolicyChanged(state, name);
  };
  auto on_node = [&](const std::string& name) {
    for (Compiler& c : nodes.compilers) c.OnNodeChanged(state, name);
  };
  int next_cluster_policy = 0;
  auto add_cluster_policy = [&](std::string name) {
    schema::ClusterNetworkPolicy cnp = gen.ClusterPolicy(name);
    state.UpsertClusterPolicy(cnp);
    on_cluster_policy(name);
  };
  // Initial objects, fed as events.
  for (const auto& ns : kNamespaces) {
    if (gen.Chance(80)) {
      state.UpsertNamespace(gen.Namespace(ns));
      on_namespace(ns);
    }
  }
  const int pods = gen.Int(4, 10);
  for (int i = 0; i < pods; ++i) {
    Workload w = WorkloadFromPod(gen.Pod(i));
    const std::string key = w.key;
    state.UpsertWorkload(std::move(w));
    on_workload(key);
  }
  int next_policy = 0;
  const int policies = gen.Int(1, 5);
  for (int i = 0; i < policies; ++i) {
    schema::NetworkPolicy np = gen.Policy(absl::StrCat("np", next_policy++));
    ASSERT_TRUE(schema::ValidateNetworkPolicy(np).empty());
    const std::string key = np.metadata.namespace_ + "/" + np.metadata.name;
    state.UpsertPolicy(np);
    on_policy(key);
  }
  const int cluster_policies = gen.Int(0, 3);
  for (int i = 0; i < cluster_policies; ++i) {
    add_cluster_policy(absl::StrCat("cnp", next_cluster_policy++));
  }
  for (int i = 0; i < static_cast<int>(kNodes.size()); ++i) {
    if (!gen.Chance(70)) continue;
    state.UpsertNode(gen.Node(i));
    on_node(kNodes[i]);
  }
  if (!IncrementalMatchesFull(state, nodes, seed, 0)) return;
  if (!IrMatchesReference(state, nodes, seed)) return;

  const int events = 16;
  for (int step = 1; step <= events; ++step) {
    switch (gen.Int(0, 9)) {
      case 7: {  // Add, replace or delete a cluster policy.
        if (gen.Chance(25) && !state.cluster_policies().empty()) {
          const std::string name = state.cluster_policies().begin()->first;
          state.DeleteClusterPolicy(name);
          on_cluster_policy(name);
        } else {
          add_cluster_policy(
              absl::StrCat("cnp", gen.Chance(50) && next_cluster_policy > 0
                                      ? gen.Int(0, next_cluster_policy - 1)
                                      : next_cluster_policy++));
        }
        break;
      }
      case 8: {  // A node relabelled, or gone.
        const int i = gen.Int(0, static_cast<int>(kNodes.size()) - 1);
        if (gen.Chance(30)) {
          state.DeleteNode(kNodes[i]);
        } else {
          state.UpsertNode(gen.Node(i));
        }
        on_node(kNodes[i]);
        break;
      }
      case 0:
      case 1: {  // Add or replace a pod (labels, address, node may change).
        Workload w = WorkloadFromPod(gen.Pod(gen.Int(0, pods + 2)));
        const std::string key = w.key;
        state.UpsertWorkload(std::move(w));
        on_workload(key);
        break;
      }
      case 2: {  // Delete a pod.
        if (state.workloads().empty()) break;
        auto it = state.workloads().begin();
        std::advance(
            it, gen.Int(0, static_cast<int>(state.workloads().size()) - 1));
        const std::string key = it->first;
        state.DeleteWorkload(key);
        on_workload(key);
        break;
      }
      case 3: {  // Relabel or delete a namespace.
        const std::string& ns = gen.Pick(kNamespaces);
        if (gen.Chance(25)) {
          state.DeleteNamespace(ns);
        } else {
          state.UpsertNamespace(gen.Namespace(ns));
        }
        on_namespace(ns);
        break;
      }
      case 4:
      case 5: {  // Add or update a policy.
        const bool update = gen.Chance(50) && !state.policies().empty();
        schema::NetworkPolicy np =
            gen.Policy(update ? absl::StrCat("np", gen.Int(0, next_policy - 1))
                              : absl::StrCat("np", next_policy++));
        if (update) {
          // Keep the namespace of an existing policy of that name, if any.
          for (const auto& [key, p] : state.policies()) {
            if (p.metadata.name == np.metadata.name) {
              np.metadata.namespace_ = p.metadata.namespace_;
            }
          }
        }
        const std::string key = np.metadata.namespace_ + "/" + np.metadata.name;
        state.UpsertPolicy(np);
        on_policy(key);
        break;
      }
      case 6:
      case 9: {  // Delete a policy.
        if (state.policies().empty()) break;
        const std::string key = state.policies().begin()->first;
        state.DeletePolicy(key);
        on_policy(key);
        break;
      }
    }
    if (!IncrementalMatchesFull(state, nodes, seed, step)) return;
  }
  IrMatchesReference(state, nodes, seed);
}

class CompilerPropertyTest : public ::testing::TestWithParam<int> {};

// 1,000 seeds in 10 shards so that ctest can run them in parallel.
TEST_P(CompilerPropertyTest, RandomClusters_IncrementalEqualsFullAndReference) {
  const int shard = GetParam();
  for (uint64_t seed = shard * 100 + 1; seed <= uint64_t(shard + 1) * 100;
       ++seed) {
    RunSeed(seed);
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, CompilerPropertyTest, ::testing::Range(0, 10));

}  // namespace
}  // namespace podwall::controller
