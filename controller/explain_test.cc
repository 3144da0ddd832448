#include "controller/explain.h"

#include <tuple>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/defaults.h"

namespace podwall::controller {
namespace {

using ::testing::HasSubstr;

class ExplainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [name, ip] : {std::pair{"a", "10.0.0.1"}, {"b", "10.0.0.2"}}) {
      schema::Pod p;
      p.metadata = {name, "", "x", "", "", {{"pod", name}}};
      p.spec.node_name = "n1";
      p.status.pod_ip = ip;
      state_.UpsertWorkload(WorkloadFromPod(p));
    }
    schema::NetworkPolicy np;
    np.metadata.name = "b-from-a";
    np.metadata.namespace_ = "x";
    np.spec.pod_selector.match_labels = {{"pod", "b"}};
    auto& rule = np.spec.ingress.emplace_back();
    rule.from.push_back({schema::LabelSelector{{{"pod", "a"}}, {}},
                         std::nullopt, std::nullopt});
    rule.ports.push_back({"TCP", schema::PortRef{false, 80, ""}, {}});
    schema::ApplyDefaults(np);
    state_.UpsertPolicy(np);
  }
  ClusterState state_;
};

TEST_F(ExplainTest, Explain_Allowed_NamesPolicyAndRule) {
  auto e = Explain(state_, {"x/a", "x/b", "80", std::nullopt});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->verdict.allowed);
  const std::string json = ExplanationToJson(*e);
  EXPECT_THAT(json, HasSubstr(R"("verdict":"allow")"));
  EXPECT_THAT(
      json,
      HasSubstr(
          R"("allowedBy":[{"kind":"NetworkPolicy","namespace":"x","name":"b-from-a","rule":"ingress[0]"}])"));
  EXPECT_THAT(ExplanationToTable(*e),
              HasSubstr("allowed by:  x/b-from-a ingress[0]"));
}

TEST_F(ExplainTest, Explain_WrongPortOrProtocol_Denied) {
  auto e = Explain(state_, {"x/a", "x/b", "81/tcp", std::nullopt});
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->verdict.allowed);
  EXPECT_THAT(ExplanationToTable(*e), HasSubstr("isolated by: x/b-from-a"));
  e = Explain(state_, {"x/a", "x/b", "80/UDP", std::nullopt});
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->verdict.allowed);
}

TEST_F(ExplainTest, Explain_ByAddress_ResolvesPodOrExternal) {
  auto e = Explain(state_, {"10.0.0.1", "x/b", "80", std::nullopt});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->src_name, "x/a");
  EXPECT_TRUE(e->verdict.allowed);
  e = Explain(state_, {"192.0.2.1", "x/b", "80", std::nullopt});
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->verdict.allowed);
  EXPECT_THAT(ExplanationToJson(*e), HasSubstr(R"("namespace":null)"));
}

// The tier walk: an Admin Pass into the NetworkPolicy that allows a -> b;
// an Admin Deny of b -> a; both named with tier, priority and rule name.
TEST_F(ExplainTest, Explain_ClusterPolicies_ShowTheTierWalk) {
  schema::ClusterNetworkPolicy cnp;
  cnp.metadata.name = "guard";
  cnp.spec.tier = "Admin";
  cnp.spec.priority = 7;
  cnp.spec.subject.emplace().namespaces.emplace();
  for (auto [name, action, pod] :
       {std::tuple{"pass-a", "Pass", "a"}, {"deny-b", "Deny", "b"}}) {
    schema::ClusterNetworkPolicyRule rule;
    rule.name = name;
    rule.action = action;
    schema::ClusterNetworkPolicyPeer peer;
    peer.pods.emplace().pod_selector.match_labels = {{"pod", pod}};
    rule.peers.emplace().push_back(peer);
    cnp.spec.ingress.push_back(rule);
  }
  state_.UpsertClusterPolicy(cnp);

  auto pass = Explain(state_, {"x/a", "x/b", "80", std::nullopt});
  ASSERT_TRUE(pass.ok());
  EXPECT_TRUE(pass->verdict.allowed);
  EXPECT_EQ(pass->verdict.ingress.decided_by, "NetworkPolicy");
  const std::string table = ExplanationToTable(*pass);
  EXPECT_THAT(table, HasSubstr("admin tier:  ClusterNetworkPolicy guard "
                               "(Admin, priority 7) ingress[0] \"pass-a\": "
                               "Pass"));
  EXPECT_THAT(table, HasSubstr("allowed by:  x/b-from-a ingress[0]"));

  auto deny = Explain(state_, {"x/b", "x/a", "80", std::nullopt});
  ASSERT_TRUE(deny.ok());
  EXPECT_FALSE(deny->verdict.allowed);
  EXPECT_EQ(deny->verdict.ingress.decided_by, "Admin");
  EXPECT_THAT(
      ExplanationToJson(*deny),
      HasSubstr(R"("admin":{"kind":"ClusterNetworkPolicy","name":)"
                R"("guard","tier":"Admin","priority":7,"rule":)"
                R"("ingress[1]","ruleName":"deny-b","action":"Deny"})"));
}

TEST_F(ExplainTest, Explain_BadInput_IsInvalidArgument) {
  for (ExplainRequest r :
       {ExplainRequest{"x/zz", "x/b", "80", std::nullopt},
        ExplainRequest{"x/a", "nope", "80", std::nullopt},
        ExplainRequest{"x/a", "x/b", "0", std::nullopt},
        ExplainRequest{"x/a", "x/b", "80/icmp", std::nullopt},
        ExplainRequest{"x/a", "x/b", "80", schema::IpFamily::kV6}}) {
    auto e = Explain(state_, r);
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument)
        << r.from << " " << r.to << " " << r.port;
  }
}

}  // namespace
}  // namespace podwall::controller
