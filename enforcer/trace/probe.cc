#include "enforcer/trace/probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"

namespace podwall::trace {
namespace {

socklen_t ToSockaddr(const schema::IpAddress& a, uint16_t port,
                     sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof(ss));
  if (a.family == schema::IpFamily::kV4) {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, a.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  std::memcpy(&in6->sin6_addr, a.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

}  // namespace

absl::StatusOr<netlink::UniqueFd> StartProbe(int netns_fd,
                                             const TraceTarget& target) {
  if (target.protocol == ir::Protocol::kSCTP) {
    return absl::InvalidArgumentError("--probe sends TCP or UDP only");
  }
  const int domain =
      target.dst.family == schema::IpFamily::kV4 ? AF_INET : AF_INET6;
  const int type =
      target.protocol == ir::Protocol::kTCP ? SOCK_STREAM : SOCK_DGRAM;
  // setns moves only the calling thread: a thread of its own makes the
  // socket there and ends, and the socket stays in the pod's namespace.
  int fd = -1;
  int error = 0;
  std::thread maker([&] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      error = errno;
      return;
    }
    fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) error = errno;
  });
  maker.join();
  if (fd < 0) {
    return absl::InternalError(absl::StrCat(
        "a socket in the pod's network namespace: ", std::strerror(error)));
  }
  netlink::UniqueFd sock(fd);
  sockaddr_storage ss;
  const socklen_t len = ToSockaddr(target.dst, target.port, ss);
  if (target.protocol == ir::Protocol::kTCP) {
    if (connect(sock.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 &&
        errno != EINPROGRESS) {
      return absl::UnavailableError(
          absl::StrCat("connect from the pod: ", std::strerror(errno)));
    }
  } else {
    static constexpr char kPayload[] = "podwall trace probe\n";
    if (sendto(sock.get(), kPayload, sizeof(kPayload) - 1, 0,
               reinterpret_cast<sockaddr*>(&ss), len) < 0) {
      return absl::UnavailableError(
          absl::StrCat("send from the pod: ", std::strerror(errno)));
    }
  }
  return sock;
}

std::string ProbeOutcome(int fd, ir::Protocol protocol) {
  if (protocol != ir::Protocol::kTCP) return "sent one datagram";
  int error = 0;
  socklen_t len = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) {
    return "unknown";
  }
  if (error == ECONNREFUSED) return "refused (reached, nothing listens)";
  if (error != 0) return absl::StrCat("failed: ", std::strerror(error));
  sockaddr_storage peer;
  socklen_t plen = sizeof(peer);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0) {
    return "connected";
  }
  return "no answer yet (the SYN got no reply)";
}

}  // namespace podwall::trace
