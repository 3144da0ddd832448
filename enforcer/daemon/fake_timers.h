#ifndef PODWALL_ENFORCER_DAEMON_FAKE_TIMERS_H_
#define PODWALL_ENFORCER_DAEMON_FAKE_TIMERS_H_

// FakeTimers: time that moves only when a test says so. Advance() runs the
// timers that fall due on the way, in order, each at its own time (so a
// callback reads Now() as the moment it was due). Test-only; one thread.

#include <map>
#include <optional>
#include <utility>

#include "enforcer/daemon/timers.h"

namespace podwall::daemon {

class FakeTimers : public Timers {
 public:
  TimePoint Now() const override { return now_; }
  std::chrono::system_clock::time_point WallNow() const override;
  TimerId At(TimePoint when, std::function<void()> fn) override;
  void Cancel(TimerId id) override;

  // Moves time forward by `d`, running every timer due by then.
  void Advance(Clock::duration d);
  // Runs the timers due now (At() with a time already passed).
  void RunDue() { Advance(Clock::duration::zero()); }
  // Timers armed and not yet run.
  std::size_t pending() const { return timers_.size(); }
  // When the next timer is due, if any.
  std::optional<TimePoint> next() const;

 private:
  TimePoint now_ = TimePoint(std::chrono::hours(1));
  TimerId next_id_ = 1;
  // (when, id) -> callback: equal times run in the order they were armed.
  std::map<std::pair<TimePoint, TimerId>, std::function<void()>> timers_;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_FAKE_TIMERS_H_
