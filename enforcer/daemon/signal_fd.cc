#include "enforcer/daemon/signal_fd.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace podwall::daemon {

namespace {

sigset_t MaskOf(std::initializer_list<int> signals) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : signals) sigaddset(&mask, s);
  return mask;
}

}  // namespace

absl::Status BlockSignals(std::initializer_list<int> signals) {
  const sigset_t mask = MaskOf(signals);
  if (pthread_sigmask(SIG_BLOCK, &mask, nullptr) != 0) {
    return absl::InternalError("pthread_sigmask failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SignalFd>> SignalFd::Create(
    std::initializer_list<int> signals) {
  if (absl::Status st = BlockSignals(signals); !st.ok()) return st;
  const sigset_t mask = MaskOf(signals);
  const int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("signalfd: ", strerror(errno)));
  }
  return std::unique_ptr<SignalFd>(new SignalFd(fd));
}

SignalFd::~SignalFd() { close(fd_); }

std::vector<int> SignalFd::Read() {
  std::vector<int> out;
  signalfd_siginfo info;
  while (read(fd_, &info, sizeof(info)) == sizeof(info)) {
    out.push_back(static_cast<int>(info.ssi_signo));
  }
  return out;
}

}  // namespace podwall::daemon
