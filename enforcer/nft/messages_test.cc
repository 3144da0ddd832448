// Netlink encoding without a kernel: message counts and the descriptions a
// kernel error is mapped back to.

#include "enforcer/nft/messages.h"

#include "enforcer/nft/planner.h"
#include "enforcer/nft/test_rulesets.h"
#include "gtest/gtest.h"

namespace podwall::nft {
namespace {

TEST(MessagesTest, EncodeTransaction_OneElement_OneMessage) {
  const Ruleset before = PodsRuleset({Addr("10.0.0.1")});
  const Ruleset after = PodsRuleset({Addr("10.0.0.1"), Addr("10.0.0.3")});
  NetlinkBatch batch(100);
  batch.Begin();
  EncodeTransaction(ToTransaction(PlanSync(before, after)), batch);
  batch.End();
  EXPECT_EQ(batch.messages(), 3u);  // begin, one NEWSETELEM, end.
  EXPECT_EQ(batch.Describe(101), "add 1 element(s) to set pods_v4");
}

TEST(MessagesTest, EncodeTransaction_LargeSet_Chunked) {
  std::vector<SetElement> many;
  for (int i = 0; i < 1200; ++i) {
    auto a = *schema::IpAddress::Parse("10.2." + std::to_string(i / 250) + "." +
                                       std::to_string(i % 250 + 1));
    many.push_back({a, a, {}, 0, ""});
  }
  const Ruleset big = PodsRuleset(many);
  NetlinkBatch batch(1);
  EncodeTransaction(ToTransaction(PlanSync(Ruleset{}, big)), batch);
  // The set, then 512 + 512 + 176 elements.
  EXPECT_EQ(batch.messages(), 4u);
  EXPECT_EQ(batch.Describe(4), "add 176 element(s) to set pods_v4");
}

TEST(MessagesTest, RawElements_IntervalsAsBoundaries) {
  Set cidr{"cidr_v4", "", KeyType::kIpv4, true, false, {}};
  SetElement r = Addr("10.1.0.0");
  r.address_end = *schema::IpAddress::Parse("10.1.0.255");
  const std::vector<RawElement> raw = RawElements(cidr, {r}, false);
  // A leading gap from 0.0.0.0, the range start, and its end (10.1.1.0).
  ASSERT_EQ(raw.size(), 3u);
  EXPECT_NE(raw[0].flags, 0u);
  EXPECT_EQ(raw[1].flags, 0u);
  EXPECT_EQ(raw[2].key, (std::vector<uint8_t>{10, 1, 1, 0}));
}

}  // namespace
}  // namespace podwall::nft
