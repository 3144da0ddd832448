// NodeSyncer over the fake kernel: which path each change takes, what it
// sends, and that the kernel always ends up holding the whole render of the
// IR. The kernel test (netlink_kernel_test) walks the same events through
// the real nf_tables.

#include "enforcer/sync/node_syncer.h"

#include <functional>

#include "enforcer/nft/fake_backend.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/golden_cases.h"
#include "tests/support/sync_events.h"

namespace podwall::sync {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class NodeSyncerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        test_support::LoadGoldenCase("15-stacked-policies", state_).ok());
    compiler_.Rebuild(state_);
  }
  // The kernel holds exactly the whole render of the compiler's IR.
  void ExpectKernelHoldsWholeRender(const nft::RenderOptions& options = {}) {
    auto holds = kernel_.Holds(
        nft::RenderRuleset(compiler_.Snapshot(), WithNumbers(options)));
    ASSERT_TRUE(holds.ok());
    EXPECT_TRUE(*holds);
  }
  nft::RenderOptions WithNumbers(nft::RenderOptions options) {
    if (options.flow_log) options.flow_log->rule_numbers = &numbers_;
    return options;
  }

  controller::ClusterState state_;
  controller::Compiler compiler_{"node-1"};
  nft::FakeBackend kernel_;
  RuleNumbers numbers_;
};

TEST(NodeSyncerPeerTest, FirstSyncWhole_PeerPodChange_OneElement) {
  controller::ClusterState state;
  ASSERT_TRUE(
      test_support::LoadGoldenCase("13-pod-and-namespace-one-peer", state)
          .ok());
  controller::Compiler compiler("node-1");
  compiler.Rebuild(state);
  nft::FakeBackend kernel;
  NodeSyncer syncer(kernel);
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_EQ(syncer.last_path(), NodeSyncer::Path::kWhole);
  EXPECT_TRUE(syncer.in_sync());
  // A new pod=a in a team=blue namespace on another node: a peer of y's
  // policy, so one address joins one set and nothing else changes.
  test_support::Upsert(R"(
apiVersion: v1
kind: Pod
metadata: {name: a2, namespace: z, labels: {pod: a}}
spec: {nodeName: node-2}
status: {podIP: 10.0.3.77}
)",
                       state, compiler);
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_TRUE(syncer.last_was_patch());
  ASSERT_EQ(kernel.last_transaction().size(), 1u);
  EXPECT_THAT(kernel.last_transaction()[0],
              HasSubstr("add 1 element(s) to set pods_"));
  EXPECT_EQ(syncer.last_transaction_size(), 1u);
  auto holds = kernel.Holds(nft::RenderRuleset(compiler.Snapshot()));
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(*holds);
  // Nothing changed: nothing sent.
  const int commits = kernel.commits();
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_EQ(kernel.commits(), commits);
}

TEST_F(NodeSyncerTest, EveryKindOfEvent_PatchEqualsWholeRender) {
  nft::RenderOptions options;
  options.flow_log = nft::FlowLogOptions();
  NodeSyncer syncer(kernel_, options, &numbers_);
  compiler_.SetInterfaces(state_,
                          {{*schema::IpAddress::Parse("10.0.1.1"), "veth-xa"}});
  ASSERT_TRUE(syncer.Sync(compiler_).ok());
  for (const test_support::SyncEvent& event :
       test_support::EveryKindOfEvent()) {
    SCOPED_TRACE(event.what);
    event.apply(state_, compiler_);
    absl::Status st = syncer.Sync(compiler_);
    ASSERT_TRUE(st.ok()) << st;
    EXPECT_TRUE(syncer.last_was_patch());
    ExpectKernelHoldsWholeRender(options);
  }
}

TEST_F(NodeSyncerTest, FailedCommit_NextSyncReadsBackAndGoesWhole) {
  NodeSyncer syncer(kernel_);
  ASSERT_TRUE(syncer.Sync(compiler_).ok());
  test_support::Upsert(test_support::kPodD, state_, compiler_);
  test_support::Upsert(test_support::kPolicyD, state_, compiler_);
  kernel_.FailCommits(1, absl::InternalError("acks lost"));
  EXPECT_FALSE(syncer.Sync(compiler_).ok());
  EXPECT_FALSE(syncer.in_sync());
  // The delta was consumed; the next sync renders everything and, since
  // the kernel does not hold it, replaces the tables whole.
  ASSERT_TRUE(syncer.Sync(compiler_).ok());
  EXPECT_EQ(syncer.last_path(), NodeSyncer::Path::kWhole);
  EXPECT_EQ(kernel_.last_transaction()[1], "delete table inet podwall");
  ExpectKernelHoldsWholeRender();
}

TEST_F(NodeSyncerTest, RestartedDaemon_AdoptsTheTableItLeft) {
  ASSERT_TRUE(NodeSyncer(kernel_).Sync(compiler_).ok());
  const int commits = kernel_.commits();
  NodeSyncer restarted(kernel_);
  ASSERT_TRUE(restarted.Sync(compiler_).ok());
  EXPECT_EQ(restarted.last_path(), NodeSyncer::Path::kAdopted);
  EXPECT_EQ(kernel_.commits(), commits) << "no batch, counters keep counting";
}

TEST_F(NodeSyncerTest, RepairDrift_RewritesWhatWasEdited) {
  NodeSyncer syncer(kernel_);
  EXPECT_FALSE(syncer.RepairDrift().ok()) << "before the first sync";
  ASSERT_TRUE(syncer.Sync(compiler_).ok());
  kernel_.mutable_tables().chains.at("forward").rules.clear();
  auto repaired = syncer.RepairDrift();
  ASSERT_TRUE(repaired.ok());
  EXPECT_TRUE(*repaired);
  ExpectKernelHoldsWholeRender();
}

TEST_F(NodeSyncerTest, GuardedNetworksChange_RendersWhole) {
  NodeSyncer syncer(kernel_);
  ASSERT_TRUE(syncer.Sync(compiler_).ok());
  syncer.SetGuardedNetworks({*schema::IpPrefix::Parse("10.0.0.0/16")});
  ASSERT_TRUE(syncer.Sync(compiler_).ok());
  EXPECT_EQ(syncer.last_path(), NodeSyncer::Path::kWhole);
  nft::RenderOptions options;
  options.guarded_networks = {*schema::IpPrefix::Parse("10.0.0.0/16")};
  ExpectKernelHoldsWholeRender(options);
  // A new local pod: the known addresses follow in a patch.
  test_support::Upsert(test_support::kPodD, state_, compiler_);
  ASSERT_TRUE(syncer.Sync(compiler_).ok());
  EXPECT_TRUE(syncer.last_was_patch());
  ExpectKernelHoldsWholeRender(options);
}

// More rules than numbers: the syncer keeps working, the extra rules'
// connections carry the unnumbered mark, and once numbers are released the
// waiting rules take them and their chains are rendered again.
TEST_F(NodeSyncerTest, RuleNumbersExhausted_RulesUnnumberedThenNumbered) {
  RuleNumbers few(1);
  nft::RenderOptions options;
  options.flow_log = nft::FlowLogOptions();
  NodeSyncer syncer(kernel_, options, &few);
  ASSERT_TRUE(syncer.Sync(compiler_).ok());
  ASSERT_GT(compiler_.rule_count(), 1u);
  EXPECT_EQ(few.held(), 1u);
  EXPECT_EQ(few.unnumbered(), compiler_.rule_count() - 1);
  bool unnumbered_mark = false;
  for (const nft::Chain& c : kernel_.Dump().chains) {
    for (const nft::Rule& r : c.rules) {
      if (r.set_ct_mark &&
          (r.set_ct_mark->second == nft::kUnnumberedRule ||
           r.set_ct_mark->second == uint32_t{nft::kUnnumberedRule} << 16)) {
        unnumbered_mark = true;
      }
    }
  }
  EXPECT_TRUE(unnumbered_mark);
  // Every policy goes but one: numbers are released and taken.
  const std::vector<std::string> policies = [&] {
    std::vector<std::string> keys;
    for (const auto& [key, p] : state_.policies()) keys.push_back(key);
    return keys;
  }();
  for (std::size_t i = 1; i < policies.size(); ++i) {
    state_.DeletePolicy(policies[i]);
    compiler_.OnPolicyChanged(state_, policies[i]);
  }
  ASSERT_TRUE(syncer.Sync(compiler_).ok());
  EXPECT_TRUE(syncer.last_was_patch());
  EXPECT_EQ(few.held(), std::min<std::size_t>(1, compiler_.rule_count()));
  nft::RenderOptions rendered = options;
  rendered.flow_log->rule_numbers = &few;
  auto holds =
      kernel_.Holds(nft::RenderRuleset(compiler_.Snapshot(), rendered));
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(*holds);
}

// Every set's digest forced equal: the sets keep distinct names and their
// own elements, and each rule names its own set (a namespace owner who
// could aim a selector at another's set name would otherwise merge them).
TEST(NodeSyncerNamesTest, ForcedDigestCollision_SetsStayApart) {
  controller::ClusterState state;
  controller::Compiler compiler("node-1");
  nft::FakeBackend kernel;
  NodeSyncer syncer(kernel, {}, nullptr,
                    [](std::string_view) { return std::string("c0ffee"); });
  test_support::Upsert(R"(
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {nodeName: node-1}
status: {podIP: 10.0.1.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: y, labels: {app: b}}
spec: {nodeName: node-1}
status: {podIP: 10.0.2.1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: same-namespace, namespace: y}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
)",
                       state, compiler);
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  // A policy in x whose set's ID sorts before y's: y's set is renamed, so
  // the syncer renders everything again.
  test_support::Upsert(R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: same-namespace, namespace: x}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
)",
                       state, compiler);
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_EQ(syncer.last_path(), NodeSyncer::Path::kWhole);
  const nft::Ruleset held = kernel.Dump();
  const nft::Set* x = nullptr;
  const nft::Set* y = nullptr;
  for (const nft::Set& s : held.sets) {
    if (s.name == "pods_c0ffee_v4") x = &s;
    if (s.name == "pods_c0ffee_1_v4") y = &s;
  }
  ASSERT_NE(x, nullptr);
  ASSERT_NE(y, nullptr);
  ASSERT_EQ(x->elements.size(), 1u);
  EXPECT_EQ(x->elements[0].address.ToString(), "10.0.1.1");
  ASSERT_EQ(y->elements.size(), 1u);
  EXPECT_EQ(y->elements[0].address.ToString(), "10.0.2.1");
  for (const nft::Chain& c : held.chains) {
    for (const nft::Rule& r : c.rules) {
      if (c.name == "in_x/a" && !r.set.empty()) {
        EXPECT_NE(r.set, y->name);
      }
      if (c.name == "in_y/b" && !r.set.empty()) {
        EXPECT_NE(r.set, x->name);
      }
    }
  }
  // And back: x's policy goes, y's set takes the plain name again.
  state.DeletePolicy("x/same-namespace");
  compiler.OnPolicyChanged(state, "x/same-namespace");
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  auto holds = kernel.Holds(nft::RenderRuleset(compiler.Snapshot()));
  ASSERT_TRUE(holds.ok());
  EXPECT_FALSE(*holds) << "the SHA-256 names differ from the forced ones";
  bool plain = false;
  for (const nft::Set& s : kernel.Dump().sets) {
    if (s.name == "pods_c0ffee_v4") {
      plain = true;
      EXPECT_EQ(s.elements[0].address.ToString(), "10.0.2.1");
    }
  }
  EXPECT_TRUE(plain);
}

}  // namespace
}  // namespace podwall::sync
