#ifndef PODWALL_CONTROLLER_SOURCES_SOURCE_QUEUE_H_
#define PODWALL_CONTROLLER_SOURCES_SOURCE_QUEUE_H_

// Hands what a source's own threads find (object changes, notes for the
// log) to the daemon's single-threaded loop: a queue under a mutex and an
// eventfd the loop polls. Also the threads' shared stop flag and their
// reconnect backoff (exponential, with jitter, cut short by Stop()).

#include <atomic>
#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include "base/mutex.h"
#include "controller/sources/source.h"

namespace podwall::sources {

class SourceQueue {
 public:
  SourceQueue();
  ~SourceQueue();
  SourceQueue(const SourceQueue&) = delete;
  SourceQueue& operator=(const SourceQueue&) = delete;

  // Readable while something is queued; -1 if the eventfd failed.
  int fd() const { return event_fd_; }
  void Push(ObjectChange change);
  void Note(ChangeSink::Severity severity, std::string message);
  // Makes fd() readable without queueing anything (a state change the
  // loop should look at, such as a source becoming synced).
  void Wake();
  // Hands everything queued to `sink`, notes first; returns whether any
  // object change was among it.
  bool Drain(ChangeSink& sink, const std::string& source_name);

  // Waits min * 2^(failures-1), capped at max, the second half jittered,
  // so that nodes do not retry in step; returns early on Stop().
  void Backoff(int& failures, std::chrono::milliseconds min,
               std::chrono::milliseconds max);
  void Stop();
  bool stopped() const { return stop_.load(); }
  // For HttpClient: aborts transfers in progress on Stop().
  const std::atomic<bool>* stop_flag() const { return &stop_; }

 private:
  int event_fd_ = -1;
  std::atomic<bool> stop_{false};
  base::Mutex mu_;
  base::CondVar cv_;  // Stop() wakes Backoff().
  std::deque<ObjectChange> changes_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<ChangeSink::Severity, std::string>> notes_
      ABSL_GUARDED_BY(mu_);
};

// A source whose own threads follow an API (Kubernetes, Docker) and hand
// what they find over a SourceQueue. Watched, so SIGHUP re-reads nothing;
// no debouncing. Subclasses start their threads in Start() and stop them
// (queue_.Stop(), join) in their destructor.
class QueuedSource : public Source {
 public:
  explicit QueuedSource(std::string name) : name_(std::move(name)) {}

  int fd() const override { return queue_.fd(); }
  void ProcessEvents(ChangeSink& sink) override;
  std::optional<SteadyClock::time_point> deadline() const override {
    return std::nullopt;
  }
  void OnDeadline(ChangeSink&) override {}
  void Reload(ChangeSink&) override {}

 protected:
  // Queues a note for the log; an error also stays in the status until
  // clear_error().
  void Note(ChangeSink::Severity severity, const std::string& message);
  // The status's common part: name, target, the error in force, the last
  // change.
  SourceStatus BaseStatus(const std::string& target) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  SourceQueue queue_;
  // Guards what follows and the subclasses' state their threads share
  // with the loop (status()).
  mutable base::Mutex mu_;
  // Cleared by the subclass once it recovers.
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::optional<std::chrono::system_clock::time_point> last_change_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace podwall::sources

#endif  // PODWALL_CONTROLLER_SOURCES_SOURCE_QUEUE_H_
