#include "enforcer/daemon/cni_waiters.h"

#include <map>

#include "enforcer/daemon/fake_timers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::daemon {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

// A running pod, with an address or without one yet.
controller::Workload Pod(const std::string& key, bool with_address) {
  static int next = 1;
  controller::Workload w;
  w.key = key;
  w.namespace_ = key.substr(0, key.find('/'));
  w.name = key.substr(key.find('/') + 1);
  w.running = true;
  if (with_address) {
    w.claimed_addresses = {
        *schema::IpAddress::Parse("10.0.0." + std::to_string(next++))};
  }
  return w;
}

class CniWaitersTest : public ::testing::Test {
 protected:
  FakeTimers timers_;
  controller::ClusterState state_;
  SyncState sync_;
  std::map<int, std::string> answers_;
  CniWaiters waiters_{
      timers_, state_, sync_,
      [this](int c, const std::string& body) { answers_[c] = body; }};
};

TEST_F(CniWaitersTest, AnsweredByTheNextGoodSync_NotTheCurrentOne) {
  state_.UpsertWorkload(Pod("x/a", true));
  sync_ = {true, true, 5, "", 0, std::nullopt};
  waiters_.Add(7, "x/a", {}, seconds(10));
  waiters_.AnswerReady();
  EXPECT_TRUE(answers_.empty()) << "generation 5 was before the ADD";
  sync_.generation = 6;
  waiters_.AnswerReady();
  EXPECT_EQ(answers_[7], "{\"ok\":true,\"generation\":6}\n");
  EXPECT_EQ(waiters_.size(), 0u);
  EXPECT_EQ(timers_.pending(), 0u) << "its deadline timer is gone";
}

TEST_F(CniWaitersTest, Deadline_SaysWhy) {
  sync_ = {true, true, 1, "", 0, std::nullopt};
  state_.UpsertWorkload(Pod("x/noaddr", false));
  waiters_.Add(1, "x/unknown", {}, seconds(10));
  waiters_.Add(2, "x/noaddr", {}, seconds(10));
  state_.UpsertWorkload(Pod("x/failing", true));
  waiters_.Add(3, "x/failing", {}, seconds(20));
  timers_.Advance(seconds(10));
  EXPECT_THAT(answers_[1], HasSubstr("no source has reported pod x/unknown"));
  EXPECT_THAT(answers_[2], HasSubstr("has no address podwalld knows"));
  EXPECT_FALSE(answers_.contains(3));
  sync_.synced = false;
  sync_.last_error = "add rule: No such file or directory";
  timers_.Advance(seconds(10));
  EXPECT_THAT(answers_[3], HasSubstr("the ruleset is not in the kernel: add "
                                     "rule: No such file or directory"));
}

// The ADD reports an address the pod does not hold (another, newer pod
// does): not ok, whatever the syncs, and the answer names the holder.
TEST_F(CniWaitersTest, ReportedAddressHeldByAnother_NotOk_SaysWho) {
  controller::Workload a = Pod("x/a", true);
  controller::Workload b = Pod("x/b", false);
  b.claimed_addresses = {*schema::IpAddress::Parse("10.9.9.9")};
  b.created = "2026-01-02T00:00:00Z";
  a.claimed_addresses.push_back(*schema::IpAddress::Parse("10.9.9.9"));
  a.created = "2026-01-01T00:00:00Z";
  state_.UpsertWorkload(a);
  state_.UpsertWorkload(b);
  sync_ = {true, true, 1, "", 0, std::nullopt};
  waiters_.Add(5, "x/a", {*schema::IpAddress::Parse("10.9.9.9")}, seconds(10));
  sync_.generation = 2;
  waiters_.AnswerReady();
  EXPECT_TRUE(answers_.empty());
  timers_.Advance(seconds(10));
  EXPECT_THAT(answers_[5],
              HasSubstr("address 10.9.9.9 of pod x/a is held by pod x/b"));
}

TEST_F(CniWaitersTest, ConnectionClosed_WaiterDropped) {
  waiters_.Add(4, "x/a", {}, seconds(10));
  waiters_.Drop(4);
  EXPECT_EQ(waiters_.size(), 0u);
  timers_.Advance(seconds(20));
  EXPECT_TRUE(answers_.empty());
}

}  // namespace
}  // namespace podwall::daemon
