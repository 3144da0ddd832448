#include "controller/selector_key.h"

#include "gtest/gtest.h"

namespace podwall::controller {
namespace {

TEST(SelectorKeyTest, CanonicalSelector_IsOrderIndependent) {
  schema::LabelSelector a{
      {{"b", "2"}, {"a", "1"}},
      {{"t", "In", {"y", "x", "x"}}, {"z", "DoesNotExist", {}}}};
  schema::LabelSelector b{{{"a", "1"}, {"b", "2"}},
                          {{"z", "DoesNotExist", {}}, {"t", "In", {"x", "y"}}}};
  EXPECT_EQ(CanonicalSelector(a), CanonicalSelector(b));
  EXPECT_EQ(CanonicalSelector(a), "!z,a=1,b=2,t in (x,y)");
}

TEST(SelectorKeyTest, CanonicalSelector_EmptyIsStar_OperatorsDiffer) {
  EXPECT_EQ(CanonicalSelector({}), "*");
  EXPECT_NE(CanonicalSelector({{}, {{"k", "In", {"v"}}}}),
            CanonicalSelector({{}, {{"k", "NotIn", {"v"}}}}));
  EXPECT_EQ(CanonicalSelector({{}, {{"k", "Exists", {}}}}), "k");
}

}  // namespace
}  // namespace podwall::controller
