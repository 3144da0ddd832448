#include "policy-schema/k8s_names.h"

#include "gtest/gtest.h"

namespace podwall::schema {
namespace {

TEST(K8sNamesTest, IsDns1123Label_AcceptsAndRejects) {
  for (const char* ok : {"a", "x", "my-ns", "0abc", "a1"}) {
    EXPECT_TRUE(IsDns1123Label(ok).empty()) << ok;
  }
  for (const char* bad : {"", "-a", "a-", "A", "a.b", "a_b"}) {
    EXPECT_FALSE(IsDns1123Label(bad).empty()) << bad;
  }
  EXPECT_TRUE(IsDns1123Label(std::string(63, 'a')).empty());
  EXPECT_FALSE(IsDns1123Label(std::string(64, 'a')).empty());
}

TEST(K8sNamesTest, IsDns1123Subdomain_AllowsDotsBetweenLabels) {
  EXPECT_TRUE(IsDns1123Subdomain("example.com").empty());
  EXPECT_TRUE(IsDns1123Subdomain("a-b.c-d.e").empty());
  for (const char* bad : {"", ".a", "a.", "a..b", "a.-b", "A.b"}) {
    EXPECT_FALSE(IsDns1123Subdomain(bad).empty()) << bad;
  }
}

TEST(K8sNamesTest, IsQualifiedName_PrefixAndName) {
  for (const char* ok : {"app", "App_1", "a.b-c", "example.com/MyName",
                         "kubernetes.io/metadata.name"}) {
    EXPECT_TRUE(IsQualifiedName(ok).empty()) << ok;
  }
  for (const char* bad : {"", "/a", "a/", "-a", "a b", "Ex.com/a", "a/b/c"}) {
    EXPECT_FALSE(IsQualifiedName(bad).empty()) << bad;
  }
}

TEST(K8sNamesTest, IsValidLabelValue_EmptyIsValid) {
  EXPECT_TRUE(IsValidLabelValue("").empty());
  EXPECT_TRUE(IsValidLabelValue("v1.2_3-x").empty());
  EXPECT_FALSE(IsValidLabelValue("_a").empty());
  EXPECT_FALSE(IsValidLabelValue("a/b").empty());
}

TEST(K8sNamesTest, IsValidPortName_IanaServiceNames) {
  for (const char* ok : {"http", "dns-tcp", "h2", "a1b2c3d4e5f6g7h"}) {
    EXPECT_TRUE(IsValidPortName(ok).empty()) << ok;
  }
  EXPECT_EQ(IsValidPortName("").size(), 2u);  // charset + letter.
  EXPECT_EQ(IsValidPortName("a--b").size(), 1u);
  EXPECT_EQ(IsValidPortName("-a-").size(), 1u);
  EXPECT_EQ(IsValidPortName("8080").size(), 1u);
  EXPECT_EQ(IsValidPortName("abcdefghijklmnop").size(), 1u);
}

TEST(K8sNamesTest, IsValidPortNum_Bounds) {
  EXPECT_FALSE(IsValidPortNum(0).empty());
  EXPECT_TRUE(IsValidPortNum(1).empty());
  EXPECT_TRUE(IsValidPortNum(65535).empty());
  EXPECT_FALSE(IsValidPortNum(65536).empty());
}

}  // namespace
}  // namespace podwall::schema
