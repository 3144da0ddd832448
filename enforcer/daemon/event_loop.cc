#include "enforcer/daemon/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace podwall::daemon {

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create() {
  const int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("epoll_create1: ", std::strerror(errno)));
  }
  return std::unique_ptr<EventLoop>(new EventLoop(fd));
}

EventLoop::~EventLoop() { close(epfd_); }

absl::Status EventLoop::Watch(int fd, std::function<void()> on_readable) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return absl::InternalError(
        absl::StrCat("epoll_ctl ADD ", fd, ": ", std::strerror(errno)));
  }
  watches_[fd] = {
      std::make_shared<std::function<void()>>(std::move(on_readable)), nullptr};
  return absl::OkStatus();
}

void EventLoop::WatchWritable(int fd, std::function<void()> on_writable) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  const bool was = it->second.writable != nullptr;
  it->second.writable =
      on_writable
          ? std::make_shared<std::function<void()>>(std::move(on_writable))
          : nullptr;
  if (was == (it->second.writable != nullptr)) return;
  epoll_event ev{};
  ev.events = it->second.writable ? EPOLLOUT : EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::Unwatch(int fd) {
  if (watches_.erase(fd) > 0) epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::At(TimePoint when, std::function<void()> fn) {
  const TimerId id = next_timer_++;
  timers_[id] = {when, std::move(fn)};
  by_time_.emplace(when, id);
  return id;
}

void EventLoop::Cancel(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  auto [lo, hi] = by_time_.equal_range(it->second.when);
  for (auto t = lo; t != hi; ++t) {
    if (t->second == id) {
      by_time_.erase(t);
      break;
    }
  }
  timers_.erase(it);
}

void EventLoop::RunDueTimers() {
  const auto now = Clock::now();
  while (!by_time_.empty() && by_time_.begin()->first <= now) {
    const TimerId id = by_time_.begin()->second;
    by_time_.erase(by_time_.begin());
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    std::function<void()> fn = std::move(it->second.fn);
    timers_.erase(it);
    fn();
    if (stopped_) return;
  }
}

void EventLoop::Run() {
  stopped_ = false;
  epoll_event events[32];
  while (!stopped_) {
    int timeout_ms = -1;
    if (!by_time_.empty()) {
      const auto wait = by_time_.begin()->first - Clock::now();
      // Round up so a timer never fires early and spins.
      timeout_ms =
          wait.count() <= 0
              ? 0
              : static_cast<int>(
                    std::chrono::ceil<std::chrono::milliseconds>(wait).count());
    }
    const int n = epoll_wait(epfd_, events, 32, timeout_ms);
    for (int i = 0; i < n && !stopped_; ++i) {
      const int fd = events[i].data.fd;
      auto it = watches_.find(fd);
      if (it == watches_.end()) continue;
      std::shared_ptr<std::function<void()>> cb =
          it->second.writable ? it->second.writable : it->second.readable;
      (*cb)();
    }
    if (!stopped_) RunDueTimers();
  }
}

}  // namespace podwall::daemon
