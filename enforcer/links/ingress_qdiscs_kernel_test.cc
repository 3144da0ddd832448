// Kernel test: ingress qdiscs in a private network namespace
// (tests/support/netns_test_main.cc).

#include <cstdlib>
#include <string>

#include "enforcer/links/ingress_qdiscs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::links {
namespace {

using ::testing::ElementsAre;

void Shell(const std::string& cmd) {
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(IngressQdiscsKernelTest, IngressAndClsact_FoundOnTheAskedDevicesOnly) {
  Shell("ip link add pwiq0 type veth peer name pwiq1");
  Shell("ip link add pwiq2 type veth peer name pwiq3");
  Shell("ip link add pwiq4 type veth peer name pwiq5");
  auto none = DevicesWithIngressQdisc({"pwiq0", "pwiq2", "pwiq4"});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  Shell("tc qdisc add dev pwiq0 ingress");
  Shell("tc qdisc add dev pwiq2 clsact");
  Shell(
      "tc qdisc add dev pwiq4 root tbf rate 1mbit burst 32kbit latency 400ms");
  Shell("tc qdisc add dev pwiq1 ingress");  // Not asked about.
  auto found = DevicesWithIngressQdisc({"pwiq0", "pwiq2", "pwiq4"});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, ElementsAre("pwiq0", "pwiq2"));
  Shell("ip link del pwiq0; ip link del pwiq2; ip link del pwiq4");
}

}  // namespace
}  // namespace podwall::links
