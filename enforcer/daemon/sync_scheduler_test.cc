#include "enforcer/daemon/sync_scheduler.h"

#include <vector>

#include "enforcer/daemon/fake_timers.h"
#include "gtest/gtest.h"

namespace podwall::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class SyncSchedulerTest : public ::testing::Test {
 protected:
  SyncScheduler& Make(SyncScheduler::Options options = {}) {
    SyncScheduler::Hooks hooks;
    hooks.sync = [this] {
      sync_times_.push_back(timers_.Now());
      if (fail_next_ > 0) {
        --fail_next_;
        return absl::InternalError("kernel said no");
      }
      return absl::OkStatus();
    };
    hooks.periodic = [this] { ++periodic_; };
    hooks.verify = [this]() -> absl::StatusOr<bool> {
      ++verifies_;
      return verify_result_;
    };
    hooks.synced = [this](const SyncScheduler::Outcome& o) {
      outcomes_.push_back(o);
    };
    scheduler_ = std::make_unique<SyncScheduler>(timers_, options, hooks);
    return *scheduler_;
  }
  // Milliseconds since `t0` of each sync.
  std::vector<long> SyncOffsets(Timers::TimePoint t0) const {
    std::vector<long> out;
    for (auto t : sync_times_) {
      out.push_back(std::chrono::duration_cast<milliseconds>(t - t0).count());
    }
    return out;
  }

  FakeTimers timers_;
  std::unique_ptr<SyncScheduler> scheduler_;
  std::vector<Timers::TimePoint> sync_times_;
  std::vector<SyncScheduler::Outcome> outcomes_;
  int fail_next_ = 0;
  int periodic_ = 0;
  int verifies_ = 0;
  absl::StatusOr<bool> verify_result_ = false;
};

TEST_F(SyncSchedulerTest, Start_SyncsAtOnceAndIsReady) {
  SyncScheduler& s = Make();
  EXPECT_FALSE(s.state().ready);
  s.Start();
  ASSERT_EQ(sync_times_.size(), 1u);
  EXPECT_TRUE(s.state().ready);
  EXPECT_TRUE(s.state().synced);
  EXPECT_EQ(s.state().generation, 1u);
  EXPECT_TRUE(outcomes_.back().new_input);
  EXPECT_TRUE(s.state().last_sync_time.has_value());
}

TEST_F(SyncSchedulerTest, Requests_CoalesceIntoOneSync) {
  SyncScheduler& s = Make();
  s.Start();
  const auto t0 = timers_.Now();
  s.Request();
  s.Request();
  s.Request();
  EXPECT_TRUE(s.due());
  timers_.Advance(seconds(1));
  EXPECT_EQ(SyncOffsets(t0), (std::vector<long>{0, 10}))
      << "one sync, at the minimum interval after the first";
  EXPECT_EQ(s.state().generation, 2u);
  EXPECT_FALSE(s.due());
}

TEST_F(SyncSchedulerTest, Request_LongAfterTheLastSync_RunsAtOnce) {
  SyncScheduler& s = Make();
  s.Start();
  timers_.Advance(seconds(5));
  const auto t0 = timers_.Now();
  s.Request();
  timers_.RunDue();
  ASSERT_EQ(sync_times_.size(), 2u);
  EXPECT_EQ(sync_times_.back(), t0);
}

TEST_F(SyncSchedulerTest, Failures_RetryWithDoublingBackoff_ThenRecover) {
  SyncScheduler::Options options;
  options.max_backoff = milliseconds(300);
  SyncScheduler& s = Make(options);
  s.Start();
  const auto t0 = timers_.Now();
  fail_next_ = 4;
  s.Request();
  timers_.Advance(seconds(5));
  // 10 ms after the first; then +100, +200, +300 (capped), +300.
  EXPECT_EQ(SyncOffsets(t0), (std::vector<long>{0, 10, 110, 310, 610, 910}));
  EXPECT_TRUE(s.state().synced);
  EXPECT_EQ(s.state().consecutive_failures, 0);
  EXPECT_TRUE(s.state().last_error.empty());
  EXPECT_EQ(outcomes_.back().previous_failures, 4);
  EXPECT_TRUE(outcomes_.back().new_input);
  EXPECT_EQ(s.state().generation, 2u) << "failed syncs are no generation";
  EXPECT_EQ(outcomes_[1].retry_in, milliseconds(100));
  EXPECT_EQ(outcomes_[3].retry_in, milliseconds(300));
}

TEST_F(SyncSchedulerTest, Failure_StateSaysWhy) {
  SyncScheduler& s = Make();
  fail_next_ = 1;
  s.Start();
  EXPECT_FALSE(s.state().ready);
  EXPECT_FALSE(s.state().synced);
  EXPECT_EQ(s.state().last_error, "kernel said no");
  EXPECT_EQ(s.state().consecutive_failures, 1);
  EXPECT_TRUE(s.due()) << "a retry is armed";
}

TEST_F(SyncSchedulerTest, Verify_Periodic_DriftCheckOnlyWhileSynced) {
  SyncScheduler::Options options;
  options.verify_interval = seconds(60);
  SyncScheduler& s = Make(options);
  s.Start();
  timers_.Advance(seconds(60));
  EXPECT_EQ(periodic_, 1);
  EXPECT_EQ(verifies_, 1);
  // While failing, the periodic part runs but not the drift check.
  fail_next_ = 100;
  s.Request();
  timers_.Advance(seconds(60));
  EXPECT_EQ(periodic_, 2);
  EXPECT_EQ(verifies_, 1);
}

TEST_F(SyncSchedulerTest, VerifyError_CountsAsFailureAndResyncs) {
  SyncScheduler& s = Make();
  s.Start();
  const auto t0 = timers_.Now();
  verify_result_ = absl::InternalError("dump failed");
  fail_next_ = 1;  // The resync fails too, so the state stays visible.
  timers_.Advance(seconds(60));
  EXPECT_EQ(SyncOffsets(t0), (std::vector<long>{0, 60000}))
      << "a resync right after the failed check";
  EXPECT_FALSE(s.state().synced);
  verify_result_ = false;
  timers_.Advance(milliseconds(100));
  EXPECT_EQ(sync_times_.size(), 3u);
  EXPECT_TRUE(s.state().synced);
  EXPECT_EQ(s.state().generation, 2u) << "the check's failure re-applies";
}

TEST_F(SyncSchedulerTest, Destroyed_CancelsItsTimers) {
  SyncScheduler& s = Make();
  s.Start();
  s.Request();
  EXPECT_GT(timers_.pending(), 0u);
  scheduler_.reset();
  EXPECT_EQ(timers_.pending(), 0u);
}

}  // namespace
}  // namespace podwall::daemon
