#include "enforcer/nft/sync_plan.h"

#include "gtest/gtest.h"

namespace podwall::nft {
namespace {

SetElement Addr(const char* a, const std::string& jump = "") {
  auto ip = *schema::IpAddress::Parse(a);
  return {ip, ip, {}, 0, jump};
}

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

TEST(SyncPlanTest, PlanSync_Identical_IsEmpty) {
  EXPECT_TRUE(PlanSync(Base(), Base()).empty());
}

TEST(SyncPlanTest, PlanSync_PodJoinsSet_OneElement) {
  Ruleset next = Base();
  next.sets[0].elements.push_back(Addr("10.0.0.3"));
  SyncPlan plan = PlanSync(Base(), next);
  ASSERT_EQ(plan.set_changes.size(), 1u);
  EXPECT_EQ(plan.set_changes[0].add.size(), 1u);
  EXPECT_TRUE(plan.set_changes[0].remove.empty());
  EXPECT_EQ(plan.operations(), 1u);
}

TEST(SyncPlanTest, PlanSync_MapRetarget_RemovesThenAdds) {
  Ruleset next = Base();
  next.sets[2].elements[0].jump_chain = "in_x/b";
  next.chains.push_back({"in_x/b", "", false, {}});
  SyncPlan plan = PlanSync(Base(), next);
  ASSERT_EQ(plan.set_changes.size(), 1u);
  EXPECT_EQ(plan.set_changes[0].remove.size(), 1u);
  EXPECT_EQ(plan.set_changes[0].add.size(), 1u);
  EXPECT_EQ(plan.new_chains.size(), 1u);
}

TEST(SyncPlanTest, PlanSync_IntervalChange_RewritesSet) {
  Ruleset next = Base();
  next.sets[1].elements[0].address_end =
      *schema::IpAddress::Parse("10.1.1.255");
  SyncPlan plan = PlanSync(Base(), next);
  ASSERT_EQ(plan.set_changes.size(), 1u);
  EXPECT_TRUE(plan.set_changes[0].rewrite);
}

TEST(SyncPlanTest, PlanSync_RulesChangeAndDeletions) {
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

TEST(SyncPlanTest, EncodeSync_CountsMessages) {
  Ruleset next = Base();
  next.sets[0].elements.push_back(Addr("10.0.0.3"));
  NetlinkBatch batch(100);
  batch.Begin();
  EncodeSync(PlanSync(Base(), next), batch);
  batch.End();
  EXPECT_EQ(batch.messages(), 3u);  // begin, one NEWSETELEM, end.
  EXPECT_EQ(batch.Describe(101), "add 1 element(s) to set pods_v4");
}

}  // namespace
}  // namespace podwall::nft
