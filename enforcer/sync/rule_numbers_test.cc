#include "enforcer/sync/rule_numbers.h"

#include <set>

#include "gtest/gtest.h"

namespace podwall::sync {
namespace {

ir::Rule MakeRule(int i) {
  ir::Rule r;
  r.origin.namespace_ = "x";
  r.origin.name = "p";
  r.origin.index = i;
  r.id = "NetworkPolicy/x/p/ingress/" + std::to_string(i);
  return r;
}

TEST(RuleNumbersTest, Acquire_IsStableAndMapsBack) {
  RuleNumbers a;
  RuleNumbers b;
  const std::optional<uint16_t> n = a.Acquire(MakeRule(1));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(b.Acquire(MakeRule(1)), n) << "same rule, same number";
  EXPECT_EQ(a.Acquire(MakeRule(1)), n) << "idempotent";
  EXPECT_EQ(a.held(), 1u);
  EXPECT_EQ(a.NumberOf(MakeRule(1).id), n);
  ASSERT_TRUE(a.Find(*n).has_value());
  EXPECT_EQ(a.Find(*n)->index, 1);
  EXPECT_GE(*n, 1);
  EXPECT_LE(*n, RuleNumbers::kMaxCapacity);
}

TEST(RuleNumbersTest, Release_FreesTheNumberForReuse) {
  RuleNumbers numbers(1);
  ASSERT_EQ(numbers.Acquire(MakeRule(1)), 1);
  numbers.Release(MakeRule(1).id);
  EXPECT_EQ(numbers.held(), 0u);
  EXPECT_FALSE(numbers.NumberOf(MakeRule(1).id).has_value());
  // Until reused, the number still names the old rule (late events).
  ASSERT_TRUE(numbers.Find(1).has_value());
  EXPECT_EQ(numbers.Find(1)->index, 1);
  EXPECT_EQ(numbers.Acquire(MakeRule(2)), 1);
  EXPECT_EQ(numbers.Find(1)->index, 2);
}

// The whole space in use: the search ends, further rules go unnumbered, and
// take the first number released. (Before reference counting, the probe
// loop spun forever once 65,535 rule IDs had been seen.)
TEST(RuleNumbersTest, SpaceFull_FurtherRulesUnnumbered_ThenNumbered) {
  RuleNumbers numbers;
  std::set<uint16_t> seen;
  for (int i = 0; i < RuleNumbers::kMaxCapacity; ++i) {
    std::optional<uint16_t> n = numbers.Acquire(MakeRule(i));
    ASSERT_TRUE(n.has_value()) << i;
    seen.insert(*n);
  }
  EXPECT_EQ(seen.size(), RuleNumbers::kMaxCapacity) << "all distinct";
  EXPECT_FALSE(seen.contains(nft::kUnnumberedRule));
  EXPECT_FALSE(numbers.Acquire(MakeRule(70000)).has_value());
  EXPECT_FALSE(numbers.Acquire(MakeRule(70001)).has_value());
  EXPECT_EQ(numbers.unnumbered(), 2u);
  EXPECT_TRUE(numbers.TakeNewlyNumbered().empty());
  const uint16_t freed = *numbers.NumberOf(MakeRule(5).id);
  numbers.Release(MakeRule(5).id);
  EXPECT_EQ(numbers.NumberOf(MakeRule(70000).id), freed)
      << "the first waiting rule by ID takes it";
  EXPECT_EQ(numbers.TakeNewlyNumbered(),
            std::set<std::string>{MakeRule(70000).id});
  EXPECT_EQ(numbers.unnumbered(), 1u);
  numbers.Release(MakeRule(70001).id);
  EXPECT_EQ(numbers.unnumbered(), 0u);
}

TEST(RuleNumbersTest, Reconcile_KeepsExactlyThePolicysRules) {
  RuleNumbers numbers(2);
  ir::NodePolicy policy;
  policy.rules = {MakeRule(1), MakeRule(2), MakeRule(3)};
  numbers.Reconcile(policy);
  EXPECT_EQ(numbers.held(), 2u);
  EXPECT_EQ(numbers.unnumbered(), 1u);
  policy.rules = {MakeRule(3)};
  numbers.Reconcile(policy);
  EXPECT_EQ(numbers.held(), 1u);
  EXPECT_EQ(numbers.unnumbered(), 0u);
  EXPECT_TRUE(numbers.NumberOf(MakeRule(3).id).has_value());
}

}  // namespace
}  // namespace podwall::sync
