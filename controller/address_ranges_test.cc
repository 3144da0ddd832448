#include "controller/address_ranges.h"

#include "gtest/gtest.h"

namespace podwall::controller {
namespace {

std::string Text(const std::vector<ir::AddressRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += " ";
    out += r.first.ToString() + "-" + r.last.ToString();
  }
  return out;
}

TEST(AddressRangesTest, IpBlockRanges_NoExcept_IsWholePrefix) {
  EXPECT_EQ(Text(IpBlockRanges({"10.0.0.0/8", {}})), "10.0.0.0-10.255.255.255");
}

TEST(AddressRangesTest, IpBlockRanges_Excepts_AreCutOut) {
  EXPECT_EQ(
      Text(IpBlockRanges({"10.0.0.0/16", {"10.0.2.0/24", "10.0.0.0/24"}})),
      "10.0.1.0-10.0.1.255 10.0.3.0-10.0.255.255");
}

TEST(AddressRangesTest, IpBlockRanges_ExceptAtEnd_AndOverlapping) {
  EXPECT_EQ(
      Text(IpBlockRanges({"10.0.0.0/24", {"10.0.0.128/25", "10.0.0.192/26"}})),
      "10.0.0.0-10.0.0.127");
  EXPECT_EQ(Text(IpBlockRanges({"0.0.0.0/0", {"0.0.0.0/1", "128.0.0.0/1"}})),
            "");
}

TEST(AddressRangesTest, IpBlockRanges_V6) {
  EXPECT_EQ(Text(IpBlockRanges({"fd00::/126", {"fd00::1/128"}})),
            "fd00::-fd00:: fd00::2-fd00::3");
}

TEST(AddressRangesTest, NormalizeRanges_MergesAdjacentSameFamilyOnly) {
  auto a = IpBlockRanges({"10.0.0.0/25", {}});
  auto b = IpBlockRanges({"10.0.0.128/25", {}});
  auto c = IpBlockRanges({"::/127", {}});
  std::vector<ir::AddressRange> all = {b[0], c[0], a[0]};
  EXPECT_EQ(Text(NormalizeRanges(all)), "10.0.0.0-10.0.0.255 ::-::1");
}

TEST(AddressRangesTest, RangesContain_Boundaries) {
  auto r = IpBlockRanges({"10.0.0.0/16", {"10.0.2.0/24"}});
  using schema::IpAddress;
  EXPECT_TRUE(RangesContain(r, *IpAddress::Parse("10.0.0.0")));
  EXPECT_TRUE(RangesContain(r, *IpAddress::Parse("10.0.1.255")));
  EXPECT_FALSE(RangesContain(r, *IpAddress::Parse("10.0.2.7")));
  EXPECT_TRUE(RangesContain(r, *IpAddress::Parse("10.0.3.0")));
  EXPECT_FALSE(RangesContain(r, *IpAddress::Parse("10.1.0.0")));
  EXPECT_FALSE(RangesContain(r, *IpAddress::Parse("::a00:1")));
}

}  // namespace
}  // namespace podwall::controller
