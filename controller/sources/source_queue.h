#ifndef PODWALL_CONTROLLER_SOURCES_SOURCE_QUEUE_H_
#define PODWALL_CONTROLLER_SOURCES_SOURCE_QUEUE_H_

// Hands what a source's own threads find (object changes, notes for the
// log) to the daemon's single-threaded loop: a queue under a mutex and an
// eventfd the loop polls. Also the threads' shared stop flag and their
// reconnect backoff (exponential, with jitter, cut short by Stop()).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "controller/sources/source.h"

namespace podwall::controller {

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
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ObjectChange> changes_;  // Guarded by mu_.
  std::deque<std::pair<ChangeSink::Severity, std::string>> notes_;
};

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_SOURCES_SOURCE_QUEUE_H_
