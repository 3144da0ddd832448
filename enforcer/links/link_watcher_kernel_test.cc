// Kernel test: link add/remove events, in a private network namespace
// (tests/support/netns_test_main.cc).

#include <poll.h>

#include <cstdlib>
#include <vector>

#include "enforcer/links/link_watcher.h"
#include "gtest/gtest.h"

namespace podwall::links {
namespace {

struct Seen {
  LinkEvent event;
  std::string name;
};

// Processes events until `pred` holds or a second passes.
template <typename Pred>
bool WaitFor(LinkWatcher& w, Pred pred) {
  for (int i = 0; i < 20 && !pred(); ++i) {
    pollfd p{w.fd(), POLLIN, 0};
    if (poll(&p, 1, 50) > 0 && !w.ProcessEvents().ok()) return false;
  }
  return pred();
}

TEST(LinkWatcherKernelTest, VethAddAndRemove_AreReported) {
  std::vector<Seen> seen;
  auto w = LinkWatcher::Create([&](LinkEvent e, const std::string& name, int) {
    seen.push_back({e, name});
  });
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(std::system("ip link add pwlw0 type veth peer name pwlw1"), 0);
  auto has = [&](LinkEvent e, const char* name) {
    for (const Seen& s : seen) {
      if (s.event == e && s.name == name) return true;
    }
    return false;
  };
  EXPECT_TRUE(WaitFor(**w, [&] { return has(LinkEvent::kAdded, "pwlw0"); }));
  ASSERT_EQ(std::system("ip link del pwlw0"), 0);
  EXPECT_TRUE(WaitFor(**w, [&] { return has(LinkEvent::kRemoved, "pwlw0"); }));
}

}  // namespace
}  // namespace podwall::links
