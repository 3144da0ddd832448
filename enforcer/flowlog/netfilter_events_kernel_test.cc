// Kernel test: conntrack events in a private network namespace
// (tests/support/netns_test_main.cc), entries made with conntrack(8),
// marked as podwall marks the connections it allowed.

#include <cstdlib>
#include <string>

#include "enforcer/flowlog/netfilter_events.h"
#include "gtest/gtest.h"

namespace podwall::flowlog {
namespace {

// A storm of events is read a bounded part at a time, so the daemon's loop
// gets to its timers (syncs) in between; nothing is lost by the bound.
TEST(NetfilterEventsKernelTest, Drain_ReadsAtMostItsBound_ThenTheRest) {
  auto events = ConntrackEvents::Create();
  ASSERT_TRUE(events.ok()) << events.status();
  constexpr int kEntries = 150;
  const std::string cmd =
      "for p in $(seq 1 " + std::to_string(kEntries) +
      "); do conntrack -I -p udp -s 10.9.0.1 -d 10.9.0.2 --sport $p "
      "--dport 53 -t 60 --mark 1 >/dev/null 2>&1 || exit 1; done";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "conntrack -I";
  std::size_t created = 0;
  auto count = [&](const ConntrackEvent& e) {
    if (!e.ended) ++created;
  };
  // One event per datagram: a drain of 64 stops at 64.
  EXPECT_EQ((*events)->Drain(count, 64), 64u);
  EXPECT_EQ(created, 64u);
  while ((*events)->Drain(count, 64) > 0) {
  }
  EXPECT_EQ(created, static_cast<std::size_t>(kEntries));
  EXPECT_EQ((*events)->overruns(), 0u);
}

}  // namespace
}  // namespace podwall::flowlog
