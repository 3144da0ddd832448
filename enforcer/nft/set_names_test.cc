#include "enforcer/nft/set_names.h"

#include "base/sha256.h"
#include "gtest/gtest.h"

namespace podwall::nft {
namespace {

using schema::IpFamily;

TEST(SetNamesTest, Name_IsAPrefixAndTheIdsSha256) {
  const SetNames names;
  EXPECT_EQ(names.Name(SetKind::kPods, "pods{ns=x;app=web}", IpFamily::kV4),
            "pods_" + base::Sha256Hex("pods{ns=x;app=web}", 32) + "_v4");
  EXPECT_EQ(names.Name(SetKind::kCidr, "cidr{10.0.0.0}", IpFamily::kV6),
            "cidr_" + base::Sha256Hex("cidr{10.0.0.0}", 32) + "_v6");
  EXPECT_NE(names.Name(SetKind::kPods, "pods{ns=x;app=web}", IpFamily::kV4),
            names.Name(SetKind::kPods, "pods{ns=x;app=db}", IpFamily::kV4));
}

// Two live IDs that share a digest (forced here; with SHA-256 finding them
// is infeasible) get distinct names, suffixed in ID order.
TEST(SetNamesTest, SharedDigest_DistinctNamesInIdOrder) {
  SetNames names([](std::string_view) { return std::string("c0ffee"); });
  EXPECT_FALSE(names.Add(SetKind::kPods, "pods{ns=y;*}"));
  EXPECT_EQ(names.Name(SetKind::kPods, "pods{ns=y;*}", IpFamily::kV4),
            "pods_c0ffee_v4");
  // An ID that sorts first takes the plain name: the other is renamed.
  EXPECT_TRUE(names.Add(SetKind::kPods, "pods{ns=x;*}"));
  EXPECT_EQ(names.Name(SetKind::kPods, "pods{ns=x;*}", IpFamily::kV4),
            "pods_c0ffee_v4");
  EXPECT_EQ(names.Name(SetKind::kPods, "pods{ns=y;*}", IpFamily::kV4),
            "pods_c0ffee_1_v4");
  // One that sorts last renames nobody.
  EXPECT_FALSE(names.Add(SetKind::kPods, "pods{ns=z;*}"));
  EXPECT_EQ(names.Name(SetKind::kPods, "pods{ns=z;*}", IpFamily::kV6),
            "pods_c0ffee_2_v6");
  // Kinds do not share names.
  EXPECT_FALSE(names.Add(SetKind::kCidr, "cidr{10.0.0.0}"));
  EXPECT_EQ(names.Name(SetKind::kCidr, "cidr{10.0.0.0}", IpFamily::kV4),
            "cidr_c0ffee_v4");
  // The first one going renames the others back.
  EXPECT_TRUE(names.Remove(SetKind::kPods, "pods{ns=x;*}"));
  EXPECT_EQ(names.Name(SetKind::kPods, "pods{ns=y;*}", IpFamily::kV4),
            "pods_c0ffee_v4");
  EXPECT_FALSE(names.Remove(SetKind::kPods, "pods{ns=z;*}"));
  EXPECT_FALSE(names.Remove(SetKind::kPods, "pods{ns=never;*}"));
}

TEST(SetNamesTest, Names_DependOnTheLiveSetsNotTheirOrder) {
  auto digest = [](std::string_view) { return std::string("aa"); };
  SetNames one(digest);
  SetNames two(digest);
  for (const char* id : {"b", "c", "a"}) one.Add(SetKind::kPods, id);
  for (const char* id : {"c", "a", "b"}) two.Add(SetKind::kPods, id);
  for (const char* id : {"a", "b", "c"}) {
    EXPECT_EQ(one.Name(SetKind::kPods, id, IpFamily::kV4),
              two.Name(SetKind::kPods, id, IpFamily::kV4));
  }
  ir::NodePolicy policy;
  policy.pod_sets = {{"c", {}}, {"b", {}}};
  one.Reset(policy);
  EXPECT_EQ(one.Name(SetKind::kPods, "b", IpFamily::kV4), "pods_aa_v4");
  EXPECT_EQ(one.Name(SetKind::kPods, "c", IpFamily::kV4), "pods_aa_1_v4");
}

}  // namespace
}  // namespace podwall::nft
