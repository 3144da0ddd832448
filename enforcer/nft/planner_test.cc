#include "enforcer/nft/planner.h"

#include <map>

#include "controller/compiler.h"
#include "enforcer/nft/fake_backend.h"
#include "enforcer/nft/renderer.h"
#include "enforcer/nft/test_rulesets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/golden_cases.h"

namespace podwall::nft {
namespace {

Ruleset Base() {
  Ruleset r;
  r.sets.push_back({"pods_v4",
                    "",
                    KeyType::kIpv4,
                    false,
                    false,
                    {Addr("10.0.0.1"), Addr("10.0.0.2")}});
  SetElement range = Addr("10.1.0.0");
  range.address_end = *schema::IpAddress::Parse("10.1.0.255");
  r.sets.push_back({"cidr_v4", "", KeyType::kIpv4, true, false, {range}});
  r.sets.push_back({"ingress_v4",
                    "",
                    KeyType::kIpv4,
                    false,
                    true,
                    {Addr("10.0.0.1", "in_x/a")}});
  Rule allow;
  allow.set = "pods_v4";
  allow.verdict = Verdict::kReturn;
  r.chains.push_back({"in_x/a", "", false, {allow}});
  r.chains.push_back({"forward", "", true, {}});
  return r;
}

TEST(PlannerTest, PlanSync_Identical_IsEmpty) {
  EXPECT_TRUE(PlanSync(Base(), Base()).empty());
}

TEST(PlannerTest, PlanSync_PodJoinsSet_OneElement) {
  Ruleset next = Base();
  next.sets[0].elements.push_back(Addr("10.0.0.3"));
  SyncPlan plan = PlanSync(Base(), next);
  ASSERT_EQ(plan.set_changes.size(), 1u);
  EXPECT_EQ(plan.set_changes[0].add.size(), 1u);
  EXPECT_TRUE(plan.set_changes[0].remove.empty());
  EXPECT_EQ(plan.operations(), 1u);
}

TEST(PlannerTest, PlanSync_MapRetarget_RemovesThenAdds) {
  Ruleset next = Base();
  next.sets[2].elements[0].jump_chain = "in_x/b";
  next.chains.push_back({"in_x/b", "", false, {}});
  SyncPlan plan = PlanSync(Base(), next);
  ASSERT_EQ(plan.set_changes.size(), 1u);
  EXPECT_EQ(plan.set_changes[0].remove.size(), 1u);
  EXPECT_EQ(plan.set_changes[0].add.size(), 1u);
  EXPECT_EQ(plan.new_chains.size(), 1u);
}

TEST(PlannerTest, PlanSync_IntervalChange_RewritesSet) {
  Ruleset next = Base();
  next.sets[1].elements[0].address_end =
      *schema::IpAddress::Parse("10.1.1.255");
  SyncPlan plan = PlanSync(Base(), next);
  ASSERT_EQ(plan.set_changes.size(), 1u);
  EXPECT_TRUE(plan.set_changes[0].rewrite);
}

TEST(PlannerTest, PlanSync_RulesChangeAndDeletions) {
  Ruleset next = Base();
  next.chains[0].rules[0].verdict = Verdict::kAccept;
  SyncPlan plan = PlanSync(Base(), next);
  ASSERT_EQ(plan.changed_chains.size(), 1u);
  EXPECT_EQ(plan.changed_chains[0]->name, "in_x/a");

  Ruleset smaller = Base();
  smaller.chains.erase(smaller.chains.begin());
  smaller.sets.erase(smaller.sets.begin());
  smaller.sets[1].elements.clear();
  plan = PlanSync(Base(), smaller);
  EXPECT_EQ(plan.deleted_chains, std::vector<std::string>{"in_x/a"});
  EXPECT_EQ(plan.deleted_sets, std::vector<std::string>{"pods_v4"});
}

// Commits `plan` (made against `applied`, which the fake holds) and
// checks that the kernel then holds `desired`, and that the cache the plan
// leaves equals it too.
void CommitAndCheck(FakeBackend& kernel, Ruleset& cache, const SyncPlan& plan,
                    const Ruleset& desired) {
  absl::Status st = kernel.Commit(ToTransaction(plan));
  ASSERT_TRUE(st.ok()) << st;
  ApplyToCache(plan, cache);
  EXPECT_EQ(Canonical(cache), Canonical(desired));
  auto holds = kernel.Holds(desired);
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(*holds);
}

// The golden cases' rulesets, rendered with guards (every local address on
// its own veth) and flow logs, so every kind of object is present.
std::vector<std::pair<std::string, Ruleset>> GoldenRulesets() {
  struct Numbers : RuleNumberLookup {
    std::optional<uint16_t> NumberOf(const std::string& id) const override {
      return static_cast<uint16_t>(1 + id.size());
    }
  };
  static const Numbers numbers;
  std::vector<std::pair<std::string, Ruleset>> out;
  for (const std::string& name : test_support::GoldenCaseNames()) {
    controller::ClusterState state;
    EXPECT_TRUE(test_support::LoadGoldenCase(name, state).ok()) << name;
    controller::Compiler compiler("node-1");
    compiler.Rebuild(state);
    std::map<schema::IpAddress, std::string> veths;
    for (const ir::Endpoint* ep : compiler.Endpoints()) {
      for (const schema::IpAddress& a : ep->addresses) {
        veths[a] = "veth-" + a.ToString();
      }
    }
    compiler.SetInterfaces(state, veths);
    RenderOptions options;
    options.flow_log = FlowLogOptions();
    options.flow_log->rule_numbers = &numbers;
    options.guarded_networks = {*schema::IpPrefix::Parse("10.0.0.0/16")};
    out.emplace_back(name, RenderRuleset(compiler.Snapshot(), options));
  }
  return out;
}

// The unit twin of the kernel test of the same name: walking through every
// golden ruleset with whole-ruleset plans, each step's transaction is
// accepted by the fake kernel (which refuses what the kernel refuses) and
// leaves it, and the cache, holding exactly that ruleset.
TEST(PlannerTest, PlanSync_ThroughEveryGoldenCase_KernelHoldsEachRuleset) {
  FakeBackend kernel;
  Ruleset cache;
  const auto rulesets = GoldenRulesets();
  ASSERT_GE(rulesets.size(), 20u);
  CommitAndCheck(kernel, cache, PlanReplace(rulesets[0].second),
                 rulesets[0].second);
  for (const auto& [name, ruleset] : rulesets) {
    SCOPED_TRACE(name);
    CommitAndCheck(kernel, cache, PlanSync(cache, ruleset), ruleset);
    EXPECT_TRUE(PlanSync(cache, ruleset).empty());
  }
  // And back down to nothing: every object deleted in an order the kernel
  // accepts (map entries before the chains they jump to, chains before the
  // sets their rules use).
  CommitAndCheck(kernel, cache, PlanSync(cache, Ruleset{}), Ruleset{});
}

TEST(PlannerTest, PlanReplace_OverAnything_HoldsOnlyTheNewRuleset) {
  FakeBackend kernel;
  Ruleset cache;
  const auto rulesets = GoldenRulesets();
  for (const auto& [name, ruleset] : rulesets) {
    SCOPED_TRACE(name);
    CommitAndCheck(kernel, cache, PlanReplace(ruleset), ruleset);
  }
  // The replacement starts by deleting the tables whatever they hold.
  const std::vector<std::string>& ops = kernel.last_transaction();
  ASSERT_GE(ops.size(), 7u);
  EXPECT_THAT(std::vector<std::string>(ops.begin(), ops.begin() + 7),
              ::testing::ElementsAre(
                  "add table inet podwall", "delete table inet podwall",
                  "add table netdev podwall", "delete table netdev podwall",
                  "add table bridge podwall", "delete table bridge podwall",
                  "add table inet podwall"));
}

TEST(PlannerTest, PlanPatch_RepeatingTheCache_IsEmpty) {
  const Ruleset base = Base();
  RulesetPatch patch;
  patch.sets.push_back(base.sets[0]);
  EndpointObjects ep;
  ep.endpoint = "x/a";
  ep.chain_names = {"in_x/a", "out_x/a"};
  ep.chains.push_back(base.chains[0]);
  ep.map_entries.emplace_back("ingress_v4", Addr("10.0.0.1", "in_x/a"));
  patch.endpoints.push_back(ep);
  patch.elements.push_back({"pods_v4", {Addr("10.0.0.2")}, {}});
  std::optional<SyncPlan> plan = PlanPatch(base, patch);
  ASSERT_TRUE(plan.has_value());
  EXPECT_TRUE(plan->empty());
}

TEST(PlannerTest, PlanPatch_ElementUpdates_OnlyWhatDiffers) {
  RulesetPatch patch;
  patch.elements.push_back(
      {"pods_v4", {Addr("10.0.0.2"), Addr("10.0.0.3")}, {Addr("10.0.0.1")}});
  const Ruleset base = Base();  // The plan points into it.
  std::optional<SyncPlan> plan = PlanPatch(base, patch);
  ASSERT_TRUE(plan.has_value());
  ASSERT_EQ(plan->set_changes.size(), 1u);
  EXPECT_THAT(plan->set_changes[0].add,
              ::testing::ElementsAre(Addr("10.0.0.3")));
  EXPECT_THAT(plan->set_changes[0].remove,
              ::testing::ElementsAre(Addr("10.0.0.1")));
  Ruleset cache = Base();
  ApplyToCache(*plan, cache);
  EXPECT_THAT(cache.sets[0].elements,
              ::testing::ElementsAre(Addr("10.0.0.2"), Addr("10.0.0.3")));
}

TEST(PlannerTest, PlanPatch_WhatTheCacheCannotTake_AsksForAWholeSync) {
  RulesetPatch interval_elements;
  interval_elements.elements.push_back({"cidr_v4", {Addr("10.9.0.1")}, {}});
  EXPECT_FALSE(PlanPatch(Base(), interval_elements).has_value());
  RulesetPatch unknown_set;
  unknown_set.elements.push_back({"pods_gone_v4", {Addr("10.9.0.1")}, {}});
  EXPECT_FALSE(PlanPatch(Base(), unknown_set).has_value());
  RulesetPatch retyped;
  Set pods = Base().sets[0];
  pods.key = KeyType::kIpv6;
  retyped.sets.push_back(pods);
  EXPECT_FALSE(PlanPatch(Base(), retyped).has_value());
}

// A new endpoint: its chain, then its map entry (which jumps to the chain),
// in that order; the fake kernel refuses the reverse.
TEST(PlannerTest, PlanPatch_NewEndpoint_ChainBeforeItsMapEntry) {
  FakeBackend kernel;
  Ruleset cache;
  CommitAndCheck(kernel, cache, PlanReplace(Base()), Base());
  RulesetPatch patch;
  EndpointObjects ep;
  ep.endpoint = "x/b";
  ep.chain_names = {"in_x/b", "out_x/b"};
  Rule allow;
  allow.set = "pods_v4";
  allow.verdict = Verdict::kReturn;
  ep.chains.push_back({"in_x/b", "", false, {allow}});
  ep.map_entries.emplace_back("ingress_v4", Addr("10.0.0.5", "in_x/b"));
  patch.endpoints.push_back(ep);
  std::optional<SyncPlan> plan = PlanPatch(cache, patch);
  ASSERT_TRUE(plan.has_value());
  ASSERT_TRUE(kernel.Commit(ToTransaction(*plan)).ok());
  EXPECT_THAT(kernel.last_transaction(),
              ::testing::ElementsAre("add chain in_x/b",
                                     "add 1 rule(s) to chain in_x/b",
                                     "add 1 element(s) to set ingress_v4"));
  ApplyToCache(*plan, cache);
  auto holds = kernel.Holds(cache);
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(*holds);
  // And it goes again: map entry out before its chain is deleted.
  RulesetPatch gone;
  EndpointObjects none;
  none.endpoint = "x/b";
  none.chain_names = {"in_x/b", "out_x/b"};
  gone.endpoints.push_back(none);
  plan = PlanPatch(cache, gone);
  ASSERT_TRUE(plan.has_value());
  ASSERT_TRUE(kernel.Commit(ToTransaction(*plan)).ok());
  EXPECT_THAT(
      kernel.last_transaction(),
      ::testing::ElementsAre("delete 1 element(s) from set ingress_v4",
                             "flush chain in_x/b", "delete chain in_x/b"));
  ApplyToCache(*plan, cache);
  EXPECT_EQ(Canonical(cache), Canonical(Base()));
}

// A veth passing from one endpoint to another in one patch (a renamed
// container): its guard is rewritten, not deleted by one and created by the
// other.
TEST(PlannerTest, PlanPatch_DevicePassesToAnotherEndpoint_GuardRewritten) {
  Ruleset base = Base();
  const schema::IpAddress a = *schema::IpAddress::Parse("10.0.0.1");
  base.guards.push_back({"veth1", "x/a", {a}});
  RulesetPatch patch;
  EndpointObjects old_ep;
  old_ep.endpoint = "x/a";
  old_ep.chain_names = {"in_x/a", "out_x/a"};
  old_ep.chains.push_back(base.chains[0]);
  old_ep.map_entries.emplace_back("ingress_v4", Addr("10.0.0.1", "in_x/a"));
  EndpointObjects renamed;
  renamed.endpoint = "x/renamed";
  renamed.chain_names = {"in_x/renamed", "out_x/renamed"};
  renamed.guards.push_back({"veth1", "x/renamed", {a}});
  patch.endpoints = {old_ep, renamed};
  std::optional<SyncPlan> plan = PlanPatch(base, patch);
  ASSERT_TRUE(plan.has_value());
  EXPECT_TRUE(plan->new_guards.empty());
  EXPECT_TRUE(plan->deleted_guards.empty());
  ASSERT_EQ(plan->changed_guards.size(), 1u);
  EXPECT_EQ(plan->changed_guards[0]->endpoint, "x/renamed");
}

}  // namespace
}  // namespace podwall::nft
