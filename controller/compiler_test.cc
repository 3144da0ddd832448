// Targeted tests of the compiler's incremental behaviour: what each event
// changes (the delta the enforcer will send), and what it must not touch.

#include "controller/compiler.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/defaults.h"

namespace podwall::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Workload Pod(const std::string& ns, const std::string& name,
             schema::Labels labels, const std::string& ip,
             const std::string& node = "n1") {
  schema::Pod p;
  p.metadata = {name, "", ns, "", "", std::move(labels)};
  p.spec.node_name = node;
  p.status.phase = "Running";
  p.status.pod_ip = ip;
  p.spec.containers.push_back({"c", {{"http", 8080, "TCP"}}});
  return WorkloadFromPod(p);
}

schema::NetworkPolicy FromApp(const std::string& ns, const std::string& name,
                              const std::string& from_app) {
  schema::NetworkPolicy np;
  np.metadata.name = name;
  np.metadata.namespace_ = ns;
  np.spec.ingress.emplace_back().from.push_back(
      {schema::LabelSelector{{{"app", from_app}}, {}}, std::nullopt,
       std::nullopt});
  schema::ApplyDefaults(np);
  return np;
}

class CompilerTest : public ::testing::Test {
 protected:
  void AddPod(Workload w) {
    const std::string key = w.key;
    state_.UpsertWorkload(std::move(w));
    compiler_.OnWorkloadChanged(state_, key);
  }
  void AddPolicy(const schema::NetworkPolicy& np) {
    state_.UpsertPolicy(np);
    compiler_.OnPolicyChanged(state_,
                              np.metadata.namespace_ + "/" + np.metadata.name);
  }

  ClusterState state_;
  Compiler compiler_{"n1"};
};

TEST_F(CompilerTest, PodAdd_PeerOnOtherNode_OnlyAddsItsAddress) {
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.1"));
  AddPolicy(FromApp("x", "from-client", "client"));
  (void)compiler_.TakeDelta();
  AddPod(Pod("x", "client", {{"app", "client"}}, "10.0.9.9", "n2"));
  NodePolicyDelta d = compiler_.TakeDelta();
  EXPECT_THAT(d.endpoints, IsEmpty());
  EXPECT_THAT(d.rules, IsEmpty());
  ASSERT_EQ(d.pod_set_elements.size(), 1u);
  const auto& [id, elems] = *d.pod_set_elements.begin();
  EXPECT_EQ(id, "pods{ns=x;app=client}");
  ASSERT_EQ(elems.added.size(), 1u);
  EXPECT_EQ(elems.added.begin()->ToString(), "10.0.9.9");
  EXPECT_EQ(d.size(), 1u);
}

TEST_F(CompilerTest, PodAdd_Unrelated_ChangesNothing) {
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.1"));
  AddPolicy(FromApp("x", "from-client", "client"));
  (void)compiler_.TakeDelta();
  AddPod(Pod("y", "other", {{"app", "client"}}, "10.0.9.8", "n2"));
  EXPECT_TRUE(compiler_.TakeDelta().empty());
}

TEST_F(CompilerTest, PolicyOnlyForRemotePods_IsNotCompiled) {
  AddPod(Pod("x", "local", {{"app", "web"}}, "10.0.0.1"));
  AddPod(Pod("y", "remote", {{"app", "web"}}, "10.0.0.2", "n2"));
  AddPolicy(FromApp("y", "remote-only", "client"));
  EXPECT_EQ(compiler_.rule_count(), 0u);
  EXPECT_EQ(compiler_.Snapshot().pod_sets.size(), 0u);
}

TEST_F(CompilerTest, PodRelabel_MovesAddressBetweenSets) {
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.1"));
  AddPolicy(FromApp("x", "from-a", "a"));
  AddPolicy(FromApp("x", "from-b", "b"));
  AddPod(Pod("x", "client", {{"app", "a"}}, "10.0.0.7"));
  (void)compiler_.TakeDelta();
  AddPod(Pod("x", "client", {{"app", "b"}}, "10.0.0.7"));
  NodePolicyDelta d = compiler_.TakeDelta();
  EXPECT_EQ(d.pod_set_elements["pods{ns=x;app=a}"].removed.size(), 1u);
  EXPECT_EQ(d.pod_set_elements["pods{ns=x;app=b}"].added.size(), 1u);
  EXPECT_THAT(d.rules, IsEmpty());
}

TEST_F(CompilerTest, PodNewIp_ReplacesAddressInSetsAndEndpoint) {
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.1"));
  AddPolicy(FromApp("x", "from-web", "web"));
  (void)compiler_.TakeDelta();
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.2"));
  NodePolicyDelta d = compiler_.TakeDelta();
  EXPECT_THAT(d.endpoints, ElementsAre("x/server"));
  const auto& e = d.pod_set_elements["pods{ns=x;app=web}"];
  EXPECT_EQ(e.added.begin()->ToString(), "10.0.0.2");
  EXPECT_EQ(e.removed.begin()->ToString(), "10.0.0.1");
}

TEST_F(CompilerTest, PolicyDelete_RemovesRulesAndUnusedSets) {
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.1"));
  AddPolicy(FromApp("x", "from-client", "client"));
  EXPECT_EQ(compiler_.rule_count(), 1u);
  (void)compiler_.TakeDelta();
  state_.DeletePolicy("x/from-client");
  compiler_.OnPolicyChanged(state_, "x/from-client");
  NodePolicyDelta d = compiler_.TakeDelta();
  EXPECT_THAT(d.rules, ElementsAre("NetworkPolicy/x/from-client/ingress/0"));
  EXPECT_THAT(d.pod_sets_deleted, ElementsAre("pods{ns=x;app=client}"));
  EXPECT_THAT(d.endpoints, ElementsAre("x/server"));
  EXPECT_EQ(compiler_.rule_count(), 0u);
  EXPECT_FALSE(compiler_.Snapshot().endpoints[0].ingress.isolated);
}

TEST_F(CompilerTest, SharedSet_SurvivesUntilLastPolicyGoes) {
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.1"));
  AddPolicy(FromApp("x", "p1", "client"));
  AddPolicy(FromApp("x", "p2", "client"));
  EXPECT_EQ(compiler_.Snapshot().pod_sets.size(), 1u);
  state_.DeletePolicy("x/p1");
  compiler_.OnPolicyChanged(state_, "x/p1");
  EXPECT_EQ(compiler_.Snapshot().pod_sets.size(), 1u);
  state_.DeletePolicy("x/p2");
  compiler_.OnPolicyChanged(state_, "x/p2");
  EXPECT_EQ(compiler_.Snapshot().pod_sets.size(), 0u);
}

// An egress policy from app=client to app=web pods on their named port.
schema::NetworkPolicy ToWebHttp(const std::string& ns,
                                const std::string& name) {
  schema::NetworkPolicy np;
  np.metadata.name = name;
  np.metadata.namespace_ = ns;
  np.spec.pod_selector.match_labels = {{"app", "client"}};
  np.spec.policy_types = {"Egress"};
  auto& rule = np.spec.egress.emplace_back();
  rule.to.push_back({schema::LabelSelector{{{"app", "web"}}, {}}, std::nullopt,
                     std::nullopt});
  rule.ports.push_back({"TCP", schema::PortRef{true, 0, "http"}, {}});
  schema::ApplyDefaults(np);
  return np;
}

TEST_F(CompilerTest, NamedPortSet_SharedByRulesThatSayTheSame_FollowsPods) {
  AddPod(Pod("x", "client", {{"app", "client"}}, "10.0.0.1"));
  AddPod(Pod("x", "web1", {{"app", "web"}}, "10.0.0.2"));
  AddPolicy(ToWebHttp("x", "p1"));
  AddPolicy(ToWebHttp("x", "p2"));
  ASSERT_EQ(compiler_.Snapshot().port_sets.size(), 1u);
  // The set outlives the rule that made it, and still follows the pods.
  state_.DeletePolicy("x/p1");
  compiler_.OnPolicyChanged(state_, "x/p1");
  (void)compiler_.TakeDelta();
  AddPod(Pod("x", "web2", {{"app", "web"}}, "10.0.0.3"));
  const NodePolicyDelta d = compiler_.TakeDelta();
  const ir::NodePolicy snap = compiler_.Snapshot();
  ASSERT_EQ(snap.port_sets.size(), 1u);
  EXPECT_EQ(snap.port_sets[0].tuples.size(), 2u);
  ASSERT_EQ(d.port_set_elements.size(), 1u);
  EXPECT_EQ(d.port_set_elements.begin()->second.added.size(), 1u);
  state_.DeletePolicy("x/p2");
  compiler_.OnPolicyChanged(state_, "x/p2");
  EXPECT_THAT(compiler_.Snapshot().port_sets, IsEmpty());
}

TEST_F(CompilerTest, NamespaceRelabel_UpdatesNamespaceSelectorSets) {
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.1"));
  AddPod(Pod("y", "client", {{"app", "c"}}, "10.0.5.5", "n2"));
  schema::NetworkPolicy np;
  np.metadata.name = "from-team-a";
  np.metadata.namespace_ = "x";
  np.spec.ingress.emplace_back().from.push_back(
      {std::nullopt, schema::LabelSelector{{{"team", "a"}}, {}}, std::nullopt});
  schema::ApplyDefaults(np);
  AddPolicy(np);
  EXPECT_TRUE(compiler_.Snapshot().pod_sets[0].addresses.empty());
  (void)compiler_.TakeDelta();
  schema::Namespace ns;
  ns.metadata.name = "y";
  ns.metadata.labels = {{"team", "a"}};
  state_.UpsertNamespace(ns);
  compiler_.OnNamespaceChanged(state_, "y");
  NodePolicyDelta d = compiler_.TakeDelta();
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(compiler_.Snapshot().pod_sets[0].addresses[0].ToString(),
            "10.0.5.5");
}

TEST_F(CompilerTest, LocalPodLeavesNode_EndpointRemovedPolicyDropped) {
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.1"));
  AddPolicy(FromApp("x", "from-client", "client"));
  AddPod(Pod("x", "server", {{"app", "web"}}, "10.0.0.1", "n2"));
  EXPECT_EQ(compiler_.endpoint_count(), 0u);
  EXPECT_EQ(compiler_.rule_count(), 0u);
}

TEST(RuleIdTest, RuleId_Format) {
  EXPECT_EQ(RuleId("x", "p", ir::Direction::kEgress, 3),
            "NetworkPolicy/x/p/egress/3");
}

}  // namespace
}  // namespace podwall::controller
