#include "enforcer/cli/daemon_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace podwall::cli {

namespace {

// A connected socket to the daemon, or Unavailable.
absl::StatusOr<int> Connect(const std::string& socket_path, int timeout_s) {
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(socket_path + ": path too long");
  }
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
  timeval tv{timeout_s, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int e = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat(
        "cannot reach podwalld at ", socket_path, ": ", strerror(e),
        " (is podwalld running? --socket changes "
        "the path)"));
  }
  return fd;
}

}  // namespace

absl::StatusOr<int> DaemonStreamLines(
    const std::string& socket_path, const std::string& target,
    const std::function<bool(std::string_view line)>& on_line) {
  absl::StatusOr<int> fd = Connect(socket_path, 0);  // No timeout: follow.
  if (!fd.ok()) return fd.status();
  const std::string request =
      absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: podwalld\r\n\r\n");
  if (send(*fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(*fd);
    return absl::UnavailableError("podwalld closed the connection");
  }
  std::string buf;
  int status = 0;
  bool in_body = false;
  char chunk[65536];
  ssize_t n;
  while ((n = recv(*fd, chunk, sizeof(chunk), 0)) > 0) {
    buf.append(chunk, n);
    if (!in_body) {
      const std::size_t end = buf.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (!buf.starts_with("HTTP/1.1 ") ||
          !absl::SimpleAtoi(absl::string_view(buf.data() + 9, 3), &status)) {
        close(*fd);
        return absl::InternalError("malformed reply from podwalld");
      }
      buf.erase(0, end + 4);
      in_body = true;
    }
    std::size_t start = 0;
    for (std::size_t nl; (nl = buf.find('\n', start)) != std::string::npos;
         start = nl + 1) {
      if (!on_line(std::string_view(buf).substr(start, nl - start))) {
        close(*fd);
        return status;
      }
    }
    buf.erase(0, start);
  }
  if (in_body && !buf.empty()) on_line(buf);
  close(*fd);
  if (!in_body) return absl::UnavailableError("podwalld closed the connection");
  return status;
}

absl::StatusOr<DaemonReply> DaemonGet(const std::string& socket_path,
                                      const std::string& target) {
  return DaemonRequest(socket_path, "GET", target, "", 10);
}

absl::StatusOr<DaemonReply> DaemonRequest(const std::string& socket_path,
                                          const std::string& method,
                                          const std::string& target,
                                          const std::string& body,
                                          int timeout_seconds) {
  absl::StatusOr<int> connected = Connect(socket_path, timeout_seconds);
  if (!connected.ok()) return connected.status();
  const int fd = *connected;
  std::string request =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: podwalld\r\n");
  if (!body.empty()) {
    absl::StrAppend(&request,
                    "Content-Type: application/json\r\nContent-Length: ",
                    body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n", body);
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::UnavailableError("podwalld closed the connection");
  }
  std::string raw;
  char buf[8192];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) raw.append(buf, n);
  close(fd);
  const std::size_t head_end = raw.find("\r\n\r\n");
  DaemonReply reply;
  if (!raw.starts_with("HTTP/1.1 ") || head_end == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(raw.data() + 9, 3), &reply.status)) {
    return absl::InternalError("malformed reply from podwalld");
  }
  reply.body = raw.substr(head_end + 4);
  return reply;
}

}  // namespace podwall::cli
