#ifndef PODWALL_ENFORCER_DAEMON_EVENT_LOOP_H_
#define PODWALL_ENFORCER_DAEMON_EVENT_LOOP_H_

// The daemon's single thread: epoll over file descriptors plus one-shot
// timers (the Timers seam). Callbacks run on the loop; they may add or
// remove watches and timers (also their own).

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "enforcer/daemon/timers.h"

namespace podwall::daemon {

class EventLoop : public Timers {
 public:
  static absl::StatusOr<std::unique_ptr<EventLoop>> Create();
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Calls `on_readable` whenever `fd` is readable (level-triggered).
  absl::Status Watch(int fd, std::function<void()> on_readable);
  // Calls `on_writable` whenever the watched `fd` can take data (or has
  // failed), instead of `on_readable`, until called again with an empty
  // function: a reply waits for the peer to read, and its reads wait.
  void WatchWritable(int fd, std::function<void()> on_writable);
  void Unwatch(int fd);

  TimePoint Now() const override { return Clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
  TimerId At(TimePoint when, std::function<void()> fn) override;
  void Cancel(TimerId id) override;

  // Runs until Stop() (from a callback).
  void Run();
  void Stop() { stopped_ = true; }

 private:
  explicit EventLoop(int epfd) : epfd_(epfd) {}
  void RunDueTimers();

  int epfd_;
  bool stopped_ = false;
  // shared_ptr: a callback may Unwatch its own fd while it runs.
  struct Watched {
    std::shared_ptr<std::function<void()>> readable;
    std::shared_ptr<std::function<void()>> writable;  // Null: not wanted.
  };
  std::map<int, Watched> watches_;
  struct Timer {
    Clock::time_point when;
    std::function<void()> fn;
  };
  std::map<TimerId, Timer> timers_;
  std::multimap<Clock::time_point, TimerId> by_time_;
  TimerId next_timer_ = 1;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_EVENT_LOOP_H_
