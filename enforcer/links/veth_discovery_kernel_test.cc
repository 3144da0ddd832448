// Kernel test: veth discovery in a private network namespace
// (tests/support/netns_test_main.cc), with "pods" in namespaces of their
// own that have never sent a packet.

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "enforcer/links/veth_discovery.h"
#include "gtest/gtest.h"

namespace podwall::links {
namespace {

class VethDiscoveryKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string tag = std::to_string(getpid() % 100000);
    pod_a_ = "pwvd" + tag + "a";
    pod_b_ = "pwvd" + tag + "b";
    ASSERT_EQ(std::system(("ip netns add " + pod_a_).c_str()), 0);
    ASSERT_EQ(std::system(("ip netns add " + pod_b_).c_str()), 0);
    Run("ip link add pwvdbr type bridge && ip link set pwvdbr up");
  }
  void TearDown() override {
    std::system(("ip netns del " + pod_a_ + " 2>/dev/null").c_str());
    std::system(("ip netns del " + pod_b_ + " 2>/dev/null").c_str());
  }
  static void Run(const std::string& cmd) {
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  // A pod: a veth on the bridge, its peer eth0 in `ns` with `v4` and `v6`.
  void Pod(const std::string& host, const std::string& ns,
           const std::string& v4, const std::string& v6) {
    Run("ip link add " + host + " type veth peer name eth0 netns " + ns);
    Run("ip link set " + host + " master pwvdbr up");
    Run("ip -n " + ns + " link set eth0 up");
    Run("ip -n " + ns + " addr add " + v4 + "/24 dev eth0");
    Run("ip -n " + ns + " addr add " + v6 + "/64 dev eth0 nodad");
  }
  // What an ARP from pod b claiming `ip` leaves on the node: a neighbour
  // entry for `ip` at b's MAC, and the bridge's FDB entry for that MAC.
  void PoisonFor(const std::string& ip) {
    Run("ip addr add 10.9.0.1/24 dev pwvdbr");
    const std::string mac_b =
        "$(ip -n " + pod_b_ +
        " -j link show eth0 | python3 -c 'import "
        "json,sys; print(json.load(sys.stdin)[0][\"address\"])')";
    Run("ip neigh replace " + ip + " lladdr " + mac_b +
        " dev pwvdbr nud reachable");
    Run("bridge fdb replace " + mac_b + " dev pwvdb master dynamic");
  }
  static schema::IpAddress Ip(const std::string& text) {
    return *schema::IpAddress::Parse(text);
  }

  std::string pod_a_, pod_b_;
};

TEST_F(VethDiscoveryKernelTest, BridgedPodWithoutTraffic_FoundByItsPeer) {
  Pod("pwvda", pod_a_, "10.9.0.5", "fd00:9::5");
  auto found = DiscoverPodInterfaces();
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->contains(Ip("10.9.0.5")));
  EXPECT_EQ(found->at(Ip("10.9.0.5")), "pwvda");
  ASSERT_TRUE(found->contains(Ip("fd00:9::5")));
  EXPECT_EQ(found->at(Ip("fd00:9::5")), "pwvda");
  // The peer's link-local address is not the pod's.
  for (const auto& [ip, name] : *found) {
    EXPECT_FALSE(ip.family == schema::IpFamily::kV6 && ip.bytes[0] == 0xfe);
  }
}

TEST_F(VethDiscoveryKernelTest, AddressClaimedBehindTwoVeths_IsLeftOut) {
  Pod("pwvda", pod_a_, "10.9.0.5", "fd00:9::5");
  Pod("pwvdb", pod_b_, "10.9.0.5", "fd00:9::6");  // Pretends to be a.
  auto found = DiscoverPodInterfaces();
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_FALSE(found->contains(Ip("10.9.0.5")));
  EXPECT_EQ(found->at(Ip("fd00:9::6")), "pwvdb");
}

// Pod b says, by ARP, that a's address is at its MAC: the node's neighbour
// entry and the bridge's FDB then point a's address at b's veth. The
// address a's own namespace holds wins over that guess.
TEST_F(VethDiscoveryKernelTest, PoisonedNeighbourEntry_LosesToThePeersAddress) {
  Pod("pwvda", pod_a_, "10.9.0.5", "fd00:9::5");
  Pod("pwvdb", pod_b_, "10.9.0.6", "fd00:9::6");
  PoisonFor("10.9.0.5");
  auto found = DiscoverPodInterfaces();
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->at(Ip("10.9.0.5")), "pwvda");
  EXPECT_EQ(found->at(Ip("10.9.0.6")), "pwvdb");
}

// An address two peers hold is contested: not guessed from neighbours.
TEST_F(VethDiscoveryKernelTest, ContestedAddress_NotGuessedFromNeighbours) {
  Pod("pwvda", pod_a_, "10.9.0.5", "fd00:9::5");
  Pod("pwvdb", pod_b_, "10.9.0.5", "fd00:9::6");
  PoisonFor("10.9.0.5");
  auto found = DiscoverPodInterfaces();
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_FALSE(found->contains(Ip("10.9.0.5")));
}

}  // namespace
}  // namespace podwall::links
