#include "policy-schema/ip_prefix.h"

#include "gtest/gtest.h"

namespace podwall::schema {
namespace {

TEST(IpPrefixTest, Parse_V4_ClearsHostBits) {
  auto p = IpPrefix::Parse("10.1.2.3/8");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->ToString(), "10.0.0.0/8");
  EXPECT_EQ(p->address.family, IpFamily::kV4);
}

TEST(IpPrefixTest, Parse_V6_ClearsHostBits) {
  auto p = IpPrefix::Parse("2001:db8:abcd::1/36");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->ToString(), "2001:db8:a000::/36");
}

TEST(IpPrefixTest, Parse_Malformed_Fails) {
  for (const char* bad : {"", "10.0.0.0", "10.0.0.0/", "10.0.0.0/33",
                          "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0/8", "::/129",
                          "1.2.3.4.5/8", "a/8", "10.0.0.0/0008"}) {
    EXPECT_FALSE(IpPrefix::Parse(bad)) << bad;
  }
}

TEST(IpPrefixTest, Contains_AddressesAndPrefixes) {
  auto net = *IpPrefix::Parse("10.0.0.0/16");
  EXPECT_TRUE(net.Contains(*IpAddress::Parse("10.0.255.1")));
  EXPECT_FALSE(net.Contains(*IpAddress::Parse("10.1.0.1")));
  EXPECT_FALSE(net.Contains(*IpAddress::Parse("::a00:1")));
  EXPECT_TRUE(net.Contains(*IpPrefix::Parse("10.0.4.0/24")));
  EXPECT_TRUE(net.Contains(net));
  EXPECT_FALSE(net.Contains(*IpPrefix::Parse("10.0.0.0/8")));
}

TEST(IpPrefixTest, Contains_ZeroLength_MatchesWholeFamily) {
  auto all = *IpPrefix::Parse("0.0.0.0/0");
  EXPECT_TRUE(all.Contains(*IpAddress::Parse("203.0.113.9")));
  EXPECT_FALSE(all.Contains(*IpAddress::Parse("2001:db8::1")));
}

TEST(IpPrefixTest, Last_SetsHostBits) {
  EXPECT_EQ(IpPrefix::Parse("10.1.0.0/16")->Last().ToString(), "10.1.255.255");
  EXPECT_EQ(IpPrefix::Parse("10.1.2.3/32")->Last().ToString(), "10.1.2.3");
  EXPECT_EQ(IpPrefix::Parse("2001:db8::/33")->Last().ToString(),
            "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff");
}

TEST(IpAddressTest, NextPrev_CarryAndBounds) {
  EXPECT_EQ(IpAddress::Parse("10.0.0.255")->Next()->ToString(), "10.0.1.0");
  EXPECT_EQ(IpAddress::Parse("10.0.1.0")->Prev()->ToString(), "10.0.0.255");
  EXPECT_FALSE(IpAddress::Parse("255.255.255.255")->Next());
  EXPECT_FALSE(IpAddress::Parse("0.0.0.0")->Prev());
  EXPECT_FALSE(IpAddress::Parse("::")->Prev());
  EXPECT_EQ(IpAddress::Parse("fd00::ffff")->Next()->ToString(), "fd00::1:0");
}

TEST(IpAddressTest, ParseAndFormat_RoundTrip) {
  EXPECT_EQ(IpAddress::Parse("fd00:0:0::1")->ToString(), "fd00::1");
  EXPECT_EQ(IpAddress::Parse("192.168.0.1")->ToString(), "192.168.0.1");
  EXPECT_LT(*IpAddress::Parse("10.0.0.1"), *IpAddress::Parse("10.0.0.2"));
}

}  // namespace
}  // namespace podwall::schema
