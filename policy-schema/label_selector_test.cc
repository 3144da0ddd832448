#include "policy-schema/label_selector.h"

#include "gtest/gtest.h"

namespace podwall::schema {
namespace {

const std::map<std::string, std::string> kWeb = {{"app", "web"},
                                                 {"tier", "front"}};

TEST(LabelSelectorTest, Matches_EmptySelector_MatchesEverything) {
  EXPECT_TRUE(Matches(LabelSelector{}, kWeb));
  EXPECT_TRUE(Matches(LabelSelector{}, {}));
}

TEST(LabelSelectorTest, Matches_MatchLabels_RequiresEveryPair) {
  EXPECT_TRUE(Matches({{{"app", "web"}}, {}}, kWeb));
  EXPECT_FALSE(Matches({{{"app", "web"}, {"tier", "back"}}, {}}, kWeb));
  EXPECT_FALSE(Matches({{{"app", "web"}}, {}}, {}));
}

TEST(LabelSelectorTest, Matches_In_NeedsKeyWithListedValue) {
  LabelSelector s{{}, {{"app", "In", {"db", "web"}}}};
  EXPECT_TRUE(Matches(s, kWeb));
  EXPECT_FALSE(Matches(s, {{"app", "cache"}}));
  EXPECT_FALSE(Matches(s, {}));
}

TEST(LabelSelectorTest, Matches_NotIn_AlsoMatchesMissingKey) {
  LabelSelector s{{}, {{"app", "NotIn", {"db"}}}};
  EXPECT_TRUE(Matches(s, kWeb));
  EXPECT_TRUE(Matches(s, {}));
  EXPECT_FALSE(Matches(s, {{"app", "db"}}));
}

TEST(LabelSelectorTest, Matches_ExistsAndDoesNotExist_LookAtKeyOnly) {
  EXPECT_TRUE(Matches({{}, {{"tier", "Exists", {}}}}, kWeb));
  EXPECT_FALSE(Matches({{}, {{"zone", "Exists", {}}}}, kWeb));
  EXPECT_TRUE(Matches({{}, {{"zone", "DoesNotExist", {}}}}, kWeb));
  EXPECT_FALSE(Matches({{}, {{"app", "DoesNotExist", {}}}}, kWeb));
}

TEST(LabelSelectorTest, Matches_LabelsAndExpressions_AreAnded) {
  LabelSelector s{{{"tier", "front"}}, {{"app", "In", {"db"}}}};
  EXPECT_FALSE(Matches(s, kWeb));
  s.match_expressions[0].values = {"web"};
  EXPECT_TRUE(Matches(s, kWeb));
}

TEST(LabelSelectorTest, Matches_UnknownOperator_NeverMatches) {
  EXPECT_FALSE(Matches({{}, {{"app", "Equals", {"web"}}}}, kWeb));
}

}  // namespace
}  // namespace podwall::schema
