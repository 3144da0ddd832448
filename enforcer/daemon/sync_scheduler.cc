#include "enforcer/daemon/sync_scheduler.h"

#include <algorithm>

namespace podwall::daemon {

SyncScheduler::SyncScheduler(Timers& timers, Options options, Hooks hooks)
    : timers_(timers), options_(options), hooks_(std::move(hooks)) {}

SyncScheduler::~SyncScheduler() {
  timers_.Cancel(timer_);
  timers_.Cancel(verify_timer_);
}

void SyncScheduler::Request() {
  pending_ = true;
  Arm();
}

void SyncScheduler::Start() {
  pending_ = true;
  timers_.Cancel(timer_);
  timer_ = 0;
  RunSync();
  verify_timer_ = timers_.After(options_.verify_interval, [this] { Verify(); });
}

void SyncScheduler::Arm() {
  if (timer_ != 0) return;  // Coalesced into the sync already due.
  const Timers::TimePoint when =
      std::max({timers_.Now(), last_end_ + options_.min_interval, not_before_});
  timer_ = timers_.At(when, [this] {
    timer_ = 0;
    RunSync();
  });
}

void SyncScheduler::RunSync() {
  const Timers::TimePoint t0 = timers_.Now();
  Outcome outcome;
  outcome.status = hooks_.sync();
  last_end_ = timers_.Now();
  outcome.took = last_end_ - t0;
  outcome.previous_failures = state_.consecutive_failures;
  if (!outcome.status.ok()) {
    state_.synced = false;
    state_.last_error = std::string(outcome.status.message());
    ++state_.consecutive_failures;
    const int doublings = std::min(state_.consecutive_failures - 1, 20);
    outcome.retry_in = std::min<Timers::Clock::duration>(
        options_.first_backoff * (1 << doublings), options_.max_backoff);
    not_before_ = last_end_ + outcome.retry_in;
    Arm();
  } else {
    state_.consecutive_failures = 0;
    not_before_ = {};
    state_.last_error.clear();
    state_.synced = true;
    state_.ready = true;
    if (pending_) {
      ++state_.generation;
      pending_ = false;
      outcome.new_input = true;
      state_.last_sync_time = timers_.WallNow();
    }
  }
  if (hooks_.synced) hooks_.synced(outcome);
}

void SyncScheduler::Verify() {
  verify_timer_ = timers_.After(options_.verify_interval, [this] { Verify(); });
  if (hooks_.periodic) hooks_.periodic();
  // Before the first good sync, or while retrying, the retry resyncs
  // anyway (reading the kernel back).
  if (!hooks_.verify || !state_.ready || !state_.synced) return;
  absl::StatusOr<bool> repaired = hooks_.verify();
  if (!repaired.ok()) {
    state_.synced = false;
    state_.last_error = std::string(repaired.status().message());
    Request();
  }
}

}  // namespace podwall::daemon
