#include "enforcer/nft/ruleset_mirror.h"

#include "enforcer/nft/fake_backend.h"
#include "enforcer/nft/test_rulesets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::nft {
namespace {

using ::testing::ElementsAre;

TEST(RulesetMirrorTest, Sync_FirstReplacesThenSendsOnlyTheDifference) {
  FakeBackend kernel;
  RulesetMirror mirror(kernel);
  EXPECT_FALSE(mirror.known());
  ASSERT_TRUE(mirror.Sync(PodsRuleset({Addr("10.0.0.1")})).ok());
  EXPECT_TRUE(mirror.known());
  EXPECT_FALSE(mirror.last_adopted());
  EXPECT_EQ(kernel.last_transaction()[1], "delete table inet podwall");
  ASSERT_TRUE(
      mirror.Sync(PodsRuleset({Addr("10.0.0.1"), Addr("10.0.0.2")})).ok());
  EXPECT_THAT(kernel.last_transaction(),
              ElementsAre("add 1 element(s) to set pods_v4"));
  EXPECT_EQ(mirror.last_transaction_size(), 1u);
  const int commits = kernel.commits();
  ASSERT_TRUE(
      mirror.Sync(PodsRuleset({Addr("10.0.0.1"), Addr("10.0.0.2")})).ok());
  EXPECT_EQ(kernel.commits(), commits) << "nothing to send";
  EXPECT_EQ(mirror.last_transaction_size(), 0u);
}

TEST(RulesetMirrorTest, Sync_KernelAlreadyHoldsIt_AdoptsWithoutABatch) {
  FakeBackend kernel;
  ASSERT_TRUE(RulesetMirror(kernel).Sync(PodsRuleset({Addr("10.0.0.1")})).ok());
  RulesetMirror restarted(kernel);
  const int commits = kernel.commits();
  ASSERT_TRUE(restarted.Sync(PodsRuleset({Addr("10.0.0.1")})).ok());
  EXPECT_TRUE(restarted.last_adopted());
  EXPECT_EQ(kernel.commits(), commits);
  // Something else is replaced.
  RulesetMirror other(kernel);
  ASSERT_TRUE(other.Sync(PodsRuleset({Addr("10.0.0.7")})).ok());
  EXPECT_FALSE(other.last_adopted());
  EXPECT_EQ(kernel.Dump(), Canonical(PodsRuleset({Addr("10.0.0.7")})));
}

TEST(RulesetMirrorTest, FailedCommit_ForgetsThenReadsBackAndReplaces) {
  FakeBackend kernel;
  RulesetMirror mirror(kernel);
  ASSERT_TRUE(mirror.Sync(PodsRuleset({Addr("10.0.0.1")})).ok());
  kernel.FailCommits(1, absl::InternalError("lost"));
  EXPECT_FALSE(mirror.Sync(PodsRuleset({Addr("10.0.0.2")})).ok());
  EXPECT_FALSE(mirror.known());
  EXPECT_EQ(kernel.Dump(), Canonical(PodsRuleset({Addr("10.0.0.1")})));
  ASSERT_TRUE(mirror.Sync(PodsRuleset({Addr("10.0.0.2")})).ok());
  EXPECT_EQ(kernel.last_transaction()[1], "delete table inet podwall")
      << "a whole replacement after the failure";
  EXPECT_EQ(kernel.Dump(), Canonical(PodsRuleset({Addr("10.0.0.2")})));
}

TEST(RulesetMirrorTest, RepairDrift_UndoesEditsByHand) {
  FakeBackend kernel;
  RulesetMirror mirror(kernel);
  EXPECT_FALSE(mirror.RepairDrift().ok()) << "nothing applied yet";
  ASSERT_TRUE(mirror.Sync(PodsRuleset({Addr("10.0.0.1")})).ok());
  auto repaired = mirror.RepairDrift();
  ASSERT_TRUE(repaired.ok());
  EXPECT_FALSE(*repaired);
  kernel.mutable_tables().sets.at("pods_v4").elements.clear();
  repaired = mirror.RepairDrift();
  ASSERT_TRUE(repaired.ok());
  EXPECT_TRUE(*repaired);
  EXPECT_EQ(kernel.Dump(), Canonical(PodsRuleset({Addr("10.0.0.1")})));
}

TEST(RulesetMirrorTest, DeleteTables_ForgetsThem) {
  FakeBackend kernel;
  RulesetMirror mirror(kernel);
  ASSERT_TRUE(mirror.Sync(PodsRuleset({Addr("10.0.0.1")})).ok());
  ASSERT_TRUE(mirror.DeleteTables().ok());
  EXPECT_FALSE(mirror.known());
  EXPECT_FALSE(kernel.tables().inet);
  EXPECT_TRUE(mirror.DeleteTables().ok()) << "deleting twice is fine";
}

}  // namespace
}  // namespace podwall::nft
