#ifndef PODWALL_ENFORCER_DAEMON_SIGNAL_FD_H_
#define PODWALL_ENFORCER_DAEMON_SIGNAL_FD_H_

// Signals as events on the daemon loop: the signals are blocked in the
// calling thread (and so in threads it starts afterwards) and read from a
// signalfd the loop watches. Owns the fd.

#include <initializer_list>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace podwall::daemon {

// Blocks `signals` in the calling thread, and so in every thread it starts
// afterwards. podwalld's main calls it before anything else: a thread
// started before would take them with their default action (death).
absl::Status BlockSignals(std::initializer_list<int> signals);

class SignalFd {
 public:
  static absl::StatusOr<std::unique_ptr<SignalFd>> Create(
      std::initializer_list<int> signals);
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const { return fd_; }
  // The signals that arrived since the last call, in order.
  std::vector<int> Read();

 private:
  explicit SignalFd(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_SIGNAL_FD_H_
