#include "enforcer/daemon/fake_timers.h"

#include <optional>

namespace podwall::daemon {

std::chrono::system_clock::time_point FakeTimers::WallNow() const {
  // A fixed wall-clock origin, moving with the fake time.
  return std::chrono::system_clock::time_point(std::chrono::hours(490000)) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             now_.time_since_epoch());
}

Timers::TimerId FakeTimers::At(TimePoint when, std::function<void()> fn) {
  const TimerId id = next_id_++;
  timers_.emplace(std::make_pair(when, id), std::move(fn));
  return id;
}

void FakeTimers::Cancel(TimerId id) {
  std::erase_if(timers_, [id](const auto& t) { return t.first.second == id; });
}

void FakeTimers::Advance(Clock::duration d) {
  const TimePoint until = now_ + d;
  while (!timers_.empty() && timers_.begin()->first.first <= until) {
    auto it = timers_.begin();
    if (it->first.first > now_) now_ = it->first.first;
    std::function<void()> fn = std::move(it->second);
    timers_.erase(it);
    fn();
  }
  now_ = until;
}

std::optional<Timers::TimePoint> FakeTimers::next() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.first;
}

}  // namespace podwall::daemon
