#ifndef PODWALL_ENFORCER_DAEMON_SYNC_SCHEDULER_H_
#define PODWALL_ENFORCER_DAEMON_SYNC_SCHEDULER_H_

// SyncScheduler: when the kernel is brought to the input, and what came of
// it. It decides timing only; what a sync does (patch or whole render) is
// the NodeSyncer's business.
//
//   Request()      input changed: one sync is due, at least `min_interval`
//                  after the last one; requests until it runs coalesce
//   a failure      the same again after a backoff (100 ms doubling to 30 s);
//                  the syncer makes that retry a whole, read-back sync
//   every `verify_interval` once started: the periodic hook, then (while
//                  synced) the drift check; a check that fails counts as a
//                  failed sync and retries
//
// SyncState is what /v1/status, /readyz and podwall-cni's waiters read.
// Single-threaded: everything runs on the Timers' thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enforcer/daemon/timers.h"

namespace podwall::daemon {

struct SyncState {
  bool ready = false;   // A sync has succeeded since start.
  bool synced = false;  // The last sync (or drift check) succeeded.
  // Syncs that applied input changed since the one before.
  uint64_t generation = 0;
  std::string last_error;  // Of the last failure; empty once recovered.
  int consecutive_failures = 0;
  std::optional<std::chrono::system_clock::time_point> last_sync_time;
};

class SyncScheduler {
 public:
  struct Options {
    Timers::Clock::duration min_interval = std::chrono::milliseconds(10);
    Timers::Clock::duration verify_interval = std::chrono::seconds(60);
    Timers::Clock::duration first_backoff = std::chrono::milliseconds(100);
    Timers::Clock::duration max_backoff = std::chrono::seconds(30);
  };
  // One sync, as the `synced` hook hears of it.
  struct Outcome {
    absl::Status status;
    bool new_input = false;     // It applied input changed since the last one.
    int previous_failures = 0;  // Consecutive failures before this one.
    Timers::Clock::duration took{};
    Timers::Clock::duration retry_in{};  // After a failure.
  };
  struct Hooks {
    // Brings the kernel to the input. Required.
    std::function<absl::Status()> sync;
    // Every `verify_interval`, whatever the state (e.g. re-discovering
    // interfaces).
    std::function<void()> periodic;
    // Then, while synced: checks the kernel for drift and repairs it; true
    // when it repaired.
    std::function<absl::StatusOr<bool>()> verify;
    // After every sync, with the state already updated.
    std::function<void(const Outcome&)> synced;
  };

  // `timers` must outlive the scheduler.
  SyncScheduler(Timers& timers, Options options, Hooks hooks);
  ~SyncScheduler();
  SyncScheduler(const SyncScheduler&) = delete;
  SyncScheduler& operator=(const SyncScheduler&) = delete;

  // The input changed.
  void Request();
  // The first sync, at once (all input is there), then the drift checks.
  void Start();

  const SyncState& state() const { return state_; }
  // Whether a sync is armed (requested, or a retry).
  bool due() const { return timer_ != 0; }

 private:
  void Arm();
  void RunSync();
  void Verify();

  Timers& timers_;
  const Options options_;
  const Hooks hooks_;
  SyncState state_;
  bool pending_ = false;  // Input changed since the last good sync.
  Timers::TimerId timer_ = 0;
  Timers::TimerId verify_timer_ = 0;
  Timers::TimePoint last_end_{};
  Timers::TimePoint not_before_{};  // Retry backoff.
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_SYNC_SCHEDULER_H_
