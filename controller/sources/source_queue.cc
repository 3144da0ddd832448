#include "controller/sources/source_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <random>

namespace podwall::sources {

SourceQueue::SourceQueue() {
  event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

SourceQueue::~SourceQueue() {
  Stop();
  if (event_fd_ >= 0) close(event_fd_);
}

void SourceQueue::Wake() {
  const uint64_t one = 1;
  (void)!write(event_fd_, &one, sizeof(one));
}

void SourceQueue::Push(ObjectChange change) {
  {
    base::MutexLock lock(&mu_);
    changes_.push_back(std::move(change));
  }
  Wake();
}

void SourceQueue::Note(ChangeSink::Severity severity, std::string message) {
  {
    base::MutexLock lock(&mu_);
    notes_.emplace_back(severity, std::move(message));
  }
  Wake();
}

bool SourceQueue::Drain(ChangeSink& sink, const std::string& source_name) {
  uint64_t count;
  (void)!read(event_fd_, &count, sizeof(count));
  std::deque<ObjectChange> changes;
  std::deque<std::pair<ChangeSink::Severity, std::string>> notes;
  {
    base::MutexLock lock(&mu_);
    changes.swap(changes_);
    notes.swap(notes_);
  }
  for (const auto& [s, m] : notes) sink.Note(s, source_name, m);
  for (const ObjectChange& c : changes) sink.Apply(c);
  return !changes.empty();
}

void SourceQueue::Backoff(int& failures, std::chrono::milliseconds min,
                          std::chrono::milliseconds max) {
  ++failures;
  auto delay = min * (1 << std::min(failures - 1, 10));
  delay = std::min<std::chrono::milliseconds>(delay, max);
  thread_local std::mt19937 rng(std::random_device{}());
  const auto half = delay / 2;
  delay = half + std::chrono::milliseconds(std::uniform_int_distribution<long>(
                     0, std::max<long>(1, half.count()))(rng));
  const auto until = std::chrono::steady_clock::now() + delay;
  base::MutexLock lock(&mu_);
  while (!stop_.load()) {
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    cv_.WaitFor(&mu_, left);
  }
}

void SourceQueue::Stop() {
  {
    base::MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
}

void QueuedSource::ProcessEvents(ChangeSink& sink) {
  if (queue_.Drain(sink, name_)) {
    base::MutexLock lock(&mu_);
    last_change_ = std::chrono::system_clock::now();
  }
}

void QueuedSource::Note(ChangeSink::Severity severity,
                        const std::string& message) {
  if (severity == ChangeSink::Severity::kError) {
    base::MutexLock lock(&mu_);
    last_error_ = message;
  }
  queue_.Note(severity, message);
}

SourceStatus QueuedSource::BaseStatus(const std::string& target) const {
  SourceStatus s;
  s.name = name_;
  s.target = target;
  if (!last_error_.empty()) s.errors.push_back(last_error_);
  s.last_change = last_change_;
  return s;
}

}  // namespace podwall::sources
