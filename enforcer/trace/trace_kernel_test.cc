// NetlinkTraceKernel against the kernel, in the test's private network
// namespace plus one peer namespace joined by a veth: arming marks exactly
// the connection's first packet, the events name podwall's rules by the
// handles nft(8) shows, and disarming leaves nothing behind.

#include "enforcer/trace/trace_kernel.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "enforcer/nft/netlink_backend.h"
#include "enforcer/nft/ruleset_mirror.h"
#include "enforcer/nft/test_rulesets.h"
#include "enforcer/trace/trace_path.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::trace {
namespace {

using schema::IpAddress;

std::string Output(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  pclose(p);
  return out;
}

class TraceKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    peer_ = absl::StrCat("pwtrace", getpid());
    const std::string setup = absl::StrCat(
        "ip netns add ", peer_, " && ip link add pwt0 type veth peer name pwt1",
        " && ip link set pwt1 netns ", peer_,
        " && ip addr add 10.9.0.1/24 dev pwt0 && ip link set pwt0 up",
        " && ip link set lo up", " && ip netns exec ", peer_,
        " ip addr add 10.9.0.2/24 dev pwt1", " && ip netns exec ", peer_,
        " ip link set pwt1 up", " && ip netns exec ", peer_,
        " ip link set lo up",
        " && nft add table inet podwall && nft add table netdev podwall",
        " && nft 'add chain inet podwall input_probe { type filter hook input "
        "priority 0; }'",
        " && nft add rule inet podwall input_probe tcp dport 9 counter drop");
    ASSERT_EQ(std::system(setup.c_str()), 0);
    auto k = NetlinkTraceKernel::Create();
    ASSERT_TRUE(k.ok()) << k.status();
    kernel_ = *std::move(k);
  }
  void TearDown() override {
    std::system(("ip netns del " + peer_ + " 2>/dev/null").c_str());
    std::system(
        "nft delete table inet podwall 2>/dev/null; "
        "nft delete table netdev podwall 2>/dev/null");
  }
  // One TCP connection attempt from the peer to 10.9.0.1:port.
  void Connect(int port) {
    std::system(absl::StrCat("ip netns exec ", peer_,
                             " timeout 2 python3 -c \"import socket; "
                             "s=socket.socket(); s.settimeout(0.3)\n"
                             "try: s.connect(('10.9.0.1', ",
                             port, "))\nexcept Exception: pass\"")
                    .c_str());
  }
  // The matching packet's events: until 300 ms pass without one (or 1.5 s
  // without any).
  std::vector<TraceEvent> Collect(const TraceMatch& match) {
    TraceCollector c(match, 256);
    auto quiet_since = std::chrono::steady_clock::now();
    const auto give_up = quiet_since + std::chrono::milliseconds(1500);
    while (std::chrono::steady_clock::now() < give_up) {
      bool more = false;
      kernel_->ReadEvents(1000, [&](const TraceEvent& e) { more |= c.Add(e); });
      if (more) quiet_since = std::chrono::steady_clock::now();
      if (c.found() && std::chrono::steady_clock::now() - quiet_since >
                           std::chrono::milliseconds(300)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return c.events();
  }

  std::string peer_;
  std::unique_ptr<NetlinkTraceKernel> kernel_;
};

TEST_F(TraceKernelTest, ArmedConnection_TracedRuleByRule_ThenDisarmed) {
  TraceTarget t{{*IpAddress::Parse("10.9.0.2")},
                *IpAddress::Parse("10.9.0.1"),
                ir::Protocol::kTCP,
                9,
                {"pwt0"}};
  ASSERT_TRUE(kernel_->Listen().ok());
  ASSERT_TRUE(kernel_->Arm(t).ok());
  EXPECT_THAT(Output("nft list chain netdev podwall trace_arm"),
              ::testing::HasSubstr("nftrace set 1"));
  EXPECT_THAT(Output("nft list chain inet podwall trace_arm"),
              ::testing::HasSubstr("hook prerouting priority -550"));

  Connect(10);  // Another port: not marked.
  Connect(9);
  std::vector<TraceEvent> events = Collect({t.sources, t.dst, IPPROTO_TCP, 9});
  ASSERT_FALSE(events.empty());
  // The kernel's handle of the drop rule, as nft -a shows it.
  const std::string listing =
      Output("nft -a list chain inet podwall input_probe");
  const auto at = listing.find("# handle ", listing.find("drop"));
  ASSERT_NE(at, std::string::npos) << listing;
  const uint64_t handle = std::stoull(listing.substr(at + 9));
  bool dropped = false, netdev = false;
  for (const TraceEvent& e : events) {
    if (e.family == NFPROTO_NETDEV) netdev = true;
    if (e.chain == "input_probe" && e.type == TraceEvent::Type::kRule) {
      EXPECT_EQ(e.handle, handle);
      EXPECT_TRUE(IsDrop(e.verdict));
      dropped = true;
    }
  }
  EXPECT_TRUE(netdev) << "the netdev chain marks it first";
  EXPECT_TRUE(dropped);
  auto handles = kernel_->RuleHandles(NFPROTO_INET, "input_probe");
  ASSERT_TRUE(handles.ok()) << handles.status();
  EXPECT_EQ(*handles, std::vector<uint64_t>{handle});

  ASSERT_TRUE(kernel_->Disarm().ok());
  EXPECT_THAT(Output("nft list tables; nft list table inet podwall; nft list "
                     "table netdev podwall"),
              ::testing::Not(::testing::HasSubstr("trace_arm")));
  EXPECT_TRUE(kernel_->Disarm().ok()) << "nothing armed: nothing to do";
  // Disarmed: the same connection is traced no more.
  Connect(9);
  EXPECT_TRUE(Collect({t.sources, t.dst, IPPROTO_TCP, 9}).empty());
}

// A flood of matching SYNs is traced a few packets per second, not each.
TEST_F(TraceKernelTest, FloodOfMatchingPackets_TracedAtALimitedRate) {
  TraceTarget t{{*IpAddress::Parse("10.9.0.2")},
                *IpAddress::Parse("10.9.0.1"),
                ir::Protocol::kTCP,
                9,
                {"pwt0"}};
  ASSERT_TRUE(kernel_->Listen().ok());
  ASSERT_TRUE(kernel_->Arm(t).ok());
  std::system(absl::StrCat("ip netns exec ", peer_,
                           " python3 -c \"import socket\n"
                           "for i in range(300):\n"
                           " s=socket.socket(); s.setblocking(False)\n"
                           " try: s.connect(('10.9.0.1', 9))\n"
                           " except Exception: pass\n"
                           " s.close()\"")
                  .c_str());
  // Each traced packet ends the inet trace chain once (its policy).
  std::size_t traced = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < until) {
    kernel_->ReadEvents(100000, [&](const TraceEvent& e) {
      if (e.family == NFPROTO_INET && e.chain == kTraceChain &&
          e.type == TraceEvent::Type::kPolicy) {
        ++traced;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(traced, 1u);
  // 5 per second and a burst of 5: 300 SYNs give about 10 traces.
  EXPECT_LE(traced, 12u) << "300 SYNs sent";
  ASSERT_TRUE(kernel_->Disarm().ok());
}

TEST_F(TraceKernelTest, UdpAndIpv6AreArmedToo) {
  ASSERT_EQ(std::system(absl::StrCat(
                            "ip addr add fd09::1/64 dev pwt0 nodad && ip netns "
                            "exec ",
                            peer_, " ip addr add fd09::2/64 dev pwt1 nodad")
                            .c_str()),
            0);
  TraceTarget t{{*IpAddress::Parse("fd09::2")},
                *IpAddress::Parse("fd09::1"),
                ir::Protocol::kUDP,
                53,
                {}};
  ASSERT_TRUE(kernel_->Listen().ok());
  ASSERT_TRUE(kernel_->Arm(t).ok());
  std::system(absl::StrCat("ip netns exec ", peer_,
                           " python3 -c \"import socket; "
                           "socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)"
                           ".sendto(b'x', ('fd09::1', 53))\"")
                  .c_str());
  std::vector<TraceEvent> events = Collect({t.sources, t.dst, IPPROTO_UDP, 53});
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().packet->src.ToString(), "fd09::2");
  ASSERT_TRUE(kernel_->Disarm().ok());
}

// A trace is not drift: the read-back still finds podwall's ruleset, and
// the mirror repairs nothing while it is armed.
TEST_F(TraceKernelTest, ArmedTrace_IsNotDrift) {
  auto backend = nft::NetlinkBackend::Create();
  ASSERT_TRUE(backend.ok()) << backend.status();
  nft::RulesetMirror mirror(**backend);
  const nft::Ruleset r = nft::PodsRuleset({nft::Addr("10.9.0.2")});
  ASSERT_TRUE(mirror.Replace(r).ok());
  TraceTarget t{{*IpAddress::Parse("10.9.0.2")},
                *IpAddress::Parse("10.9.0.1"),
                ir::Protocol::kTCP,
                9,
                {"pwt0"}};
  ASSERT_TRUE(kernel_->Arm(t).ok());
  auto holds = (*backend)->Holds(r);
  ASSERT_TRUE(holds.ok()) << holds.status();
  EXPECT_TRUE(*holds);
  auto repaired = mirror.RepairDrift();
  ASSERT_TRUE(repaired.ok());
  EXPECT_FALSE(*repaired);
  EXPECT_THAT(Output("nft list chain inet podwall trace_arm"),
              ::testing::HasSubstr("nftrace set 1"));
  ASSERT_TRUE(kernel_->Disarm().ok());
}

}  // namespace
}  // namespace podwall::trace
