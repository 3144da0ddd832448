#ifndef PODWALL_BASE_MUTEX_H_
#define PODWALL_BASE_MUTEX_H_

// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable_any
// with Clang's thread-safety annotations, for the little state podwall
// shares between threads (sources' API threads, the flow-log writer).
// State a lock guards is declared with ABSL_GUARDED_BY and checked at
// compile time by clang -Wthread-safety; ThreadSanitizer sees the locking
// because it intercepts pthread mutexes (Debian's absl::Mutex is built
// without TSan's annotations, so TSan cannot see through it and reports
// races on everything it guards).

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace podwall::base {

class ABSL_LOCKABLE Mutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

  // BasicLockable, for CondVar's wait; prefer MutexLock.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// Holds `mu` for its scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

class CondVar {
 public:
  // Releases `mu` while waiting; returns with it held. Wakes on Signal
  // (or spuriously): callers re-check their condition.
  void Wait(Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { cv_.wait(*mu); }
  // As Wait, for at most `timeout`; false when it expired.
  template <typename Rep, typename Period>
  bool WaitFor(Mutex* mu, std::chrono::duration<Rep, Period> timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return cv_.wait_for(*mu, timeout) == std::cv_status::no_timeout;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable_any cv_;
};

}  // namespace podwall::base

#endif  // PODWALL_BASE_MUTEX_H_
