#ifndef PODWALL_ENFORCER_DAEMON_TIMERS_H_
#define PODWALL_ENFORCER_DAEMON_TIMERS_H_

// Timers: the daemon's clock and one-shot timers, the seam that lets its
// parts be tested without waiting. EventLoop implements it on the loop
// thread; FakeTimers (fake_timers.h) advances time by hand.
//
// Callbacks run on the thread that owns the implementation; they may arm
// and cancel timers, their own included.

#include <chrono>
#include <cstdint>
#include <functional>

namespace podwall::daemon {

class Timers {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using TimerId = uint64_t;  // Never 0; 0 means "no timer".

  virtual ~Timers() = default;

  virtual TimePoint Now() const = 0;
  // The wall clock, for what is shown to people (status, logs).
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
  // Runs `fn` once at `when` (at once if `when` has passed).
  virtual TimerId At(TimePoint when, std::function<void()> fn) = 0;
  // Cancels a timer that has not run; ids already run or cancelled, and 0,
  // are ignored.
  virtual void Cancel(TimerId id) = 0;

  TimerId After(Clock::duration delay, std::function<void()> fn) {
    return At(Now() + delay, std::move(fn));
  }
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_TIMERS_H_
