#include "enforcer/daemon/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "policy-schema/json_writer.h"

namespace podwall::daemon {
namespace {

constexpr std::size_t kMaxRequest = 64 * 1024;
constexpr std::size_t kMaxStreamBacklog = 4 << 20;
// A produced body (HttpResponse::more) is asked for more below this.
constexpr std::size_t kProducedChunk = 256 << 10;

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(
          std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Content Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

namespace {

// Splits `s` at each `sep`.
std::vector<std::string_view> Split(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> out;
  while (true) {
    const std::size_t i = s.find(sep);
    out.push_back(s.substr(0, i));
    if (i == std::string_view::npos) return out;
    s.remove_prefix(i + sep.size());
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

absl::StatusOr<std::optional<HttpRequest>> ParseHttpRequest(
    std::string_view data) {
  const std::size_t end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (data.size() > kMaxRequest) {
      return absl::InvalidArgumentError("request header too large");
    }
    return std::nullopt;
  }
  const std::vector<std::string_view> lines =
      Split(data.substr(0, end), "\r\n");
  const std::vector<std::string_view> start = Split(lines[0], " ");
  if (start.size() != 3 || !start[2].starts_with("HTTP/1.")) {
    return absl::InvalidArgumentError("malformed request line");
  }
  HttpRequest req;
  req.method = std::string(start[0]);
  std::string_view target = start[1];
  const std::size_t q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    for (std::string_view kv : Split(target.substr(q + 1), "&")) {
      if (kv.empty()) continue;
      const std::size_t eq = kv.find('=');
      req.query[PercentDecode(kv.substr(0, eq))] =
          eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1));
    }
  }
  std::size_t length = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t colon = lines[i].find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(lines[i].substr(0, colon));
    absl::AsciiStrToLower(&name);
    if (name != "content-length") continue;
    const std::string_view v = Trim(lines[i].substr(colon + 1));
    if (!absl::SimpleAtoi(absl::string_view(v.data(), v.size()), &length)) {
      return absl::InvalidArgumentError("bad Content-Length");
    }
  }
  if (length > kMaxRequest) {
    return absl::InvalidArgumentError("request body too large");
  }
  if (data.size() < end + 4 + length) return std::nullopt;
  req.body = std::string(data.substr(end + 4, length));
  return req;
}

std::string SerializeHttpResponse(const HttpResponse& r) {
  if (r.stream || r.more) {
    // No length: the body runs until the server closes the connection.
    return absl::StrCat("HTTP/1.1 ", r.status, " ", Reason(r.status),
                        "\r\nContent-Type: ", r.content_type,
                        "\r\nConnection: close\r\n\r\n", r.body);
  }
  return absl::StrCat("HTTP/1.1 ", r.status, " ", Reason(r.status),
                      "\r\nContent-Type: ", r.content_type,
                      "\r\nContent-Length: ", r.body.size(),
                      "\r\nConnection: close\r\n\r\n", r.body);
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::ListenUnix(
    EventLoop& loop, const std::string& path, Handler handler,
    HttpLimits limits) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(path + ": socket path too long");
  }
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  // A socket left by a previous daemon (crash, kill -9) is replaced; any
  // other kind of file is not.
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return absl::FailedPreconditionError(path +
                                           " exists and is not a socket");
    }
    unlink(path.c_str());
  }
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket(AF_UNIX)");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  const mode_t old_mask = umask(0117);  // Socket mode 0660.
  const int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  umask(old_mask);
  if (rc != 0 || listen(fd, 64) != 0) {
    absl::Status st = Errno(absl::StrCat("bind/listen ", path));
    close(fd);
    return st;
  }
  auto server = std::unique_ptr<HttpServer>(
      new HttpServer(loop, fd, path, std::move(handler), limits));
  server->unix_path_ = path;
  if (absl::Status s = server->Start(); !s.ok()) return s;
  return server;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::ListenTcp(
    EventLoop& loop, const std::string& host_port, Handler handler,
    HttpLimits limits) {
  const std::size_t colon = host_port.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad address ", host_port, " (want HOST:PORT)"));
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
      inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
             inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
    family = AF_INET6;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("bad address ", host_port, ": host must be an IP"));
  }
  const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      listen(fd, 64) != 0) {
    absl::Status st = Errno(absl::StrCat("bind/listen ", host_port));
    close(fd);
    return st;
  }
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  const int real_port = ntohs(
      family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                        : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  const std::string address = family == AF_INET
                                  ? absl::StrCat(host, ":", real_port)
                                  : absl::StrCat("[", host, "]:", real_port);
  auto server = std::unique_ptr<HttpServer>(
      new HttpServer(loop, fd, address, std::move(handler), limits));
  if (absl::Status s = server->Start(); !s.ok()) return s;
  return server;
}

absl::Status HttpServer::Start() {
  return loop_.Watch(fd_, [this] { OnAccept(); });
}

HttpServer::~HttpServer() {
  if (accept_timer_ != 0) loop_.Cancel(accept_timer_);
  while (!connections_.empty()) Close(connections_.begin()->first);
  loop_.Unwatch(fd_);
  close(fd_);
  if (!unix_path_.empty()) unlink(unix_path_.c_str());
}

int HttpServer::NextId() {
  while (true) {
    const int id = next_id_;
    next_id_ = next_id_ == std::numeric_limits<int>::max() ? 1 : next_id_ + 1;
    if (!connections_.contains(id)) return id;
  }
}

std::string HttpServer::PeerOf(int fd) const {
  if (!unix_path_.empty()) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      return "uid ?";
    }
    return cred.uid == 0 ? "" : absl::StrCat("uid ", cred.uid);
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  char text[INET6_ADDRSTRLEN] = "?";
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    const void* addr =
        ss.ss_family == AF_INET
            ? static_cast<const void*>(
                  &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr)
            : static_cast<const void*>(
                  &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr);
    inet_ntop(ss.ss_family, addr, text, sizeof(text));
  }
  return text;
}

void HttpServer::OnAccept() {
  while (true) {
    const int c = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) {
      // Out of descriptors or memory, the pending connection stays queued
      // and the listening socket readable: wait instead of spinning.
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        PauseAccept();
      }
      return;  // EAGAIN, or a transient error: try next time.
    }
    std::string peer = PeerOf(c);
    // Full: the oldest connection still sending its request makes room
    // (a slow or idle client, whoever it is, cannot keep others out);
    // when every connection has been answered or streams, the new one goes.
    if (connections_.size() >= limits_.max_connections) {
      const int oldest = OldestUnanswered();
      if (oldest != 0) {
        Close(oldest);
        ++evicted_;
      }
    }
    if (connections_.size() >= limits_.max_connections ||
        (!peer.empty() && per_peer_[peer] >= limits_.max_per_peer)) {
      if (!peer.empty() && per_peer_[peer] == 0) per_peer_.erase(peer);
      ++refused_;
      close(c);
      continue;
    }
    const int id = NextId();
    Connection& conn = connections_[id];
    conn.fd = c;
    if (!peer.empty()) ++per_peer_[peer];
    conn.peer = std::move(peer);
    Deadline(id, limits_.request_deadline);
    if (!loop_.Watch(c, [this, id] { OnReadable(id); }).ok()) Close(id);
  }
}

int HttpServer::OldestUnanswered() const {
  // Ids grow with each connection (wrapping only after 2^31 of them).
  for (const auto& [id, conn] : connections_) {
    if (!conn.streaming && !conn.finishing) return id;
  }
  return 0;
}

void HttpServer::PauseAccept() {
  if (!accepting_) return;
  accepting_ = false;
  ++accept_pauses_;
  loop_.Unwatch(fd_);
  accept_timer_ = loop_.After(limits_.accept_pause, [this] {
    accept_timer_ = 0;
    accepting_ = true;
    if (!loop_.Watch(fd_, [this] { OnAccept(); }).ok()) return;
    OnAccept();
  });
}

void HttpServer::Deadline(int id, std::chrono::milliseconds after) {
  Connection& conn = connections_.at(id);
  if (conn.timeout != 0) loop_.Cancel(conn.timeout);
  conn.timeout = loop_.After(after, [this, id] {
    connections_[id].timeout = 0;
    Close(id);
  });
}

void HttpServer::Close(int id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (it->second.timeout != 0) loop_.Cancel(it->second.timeout);
  const bool announced = it->second.announced;
  const int fd = it->second.fd;
  if (!it->second.peer.empty()) {
    auto count = per_peer_.find(it->second.peer);
    if (count != per_peer_.end() && --count->second == 0) {
      per_peer_.erase(count);
    }
  }
  connections_.erase(it);
  loop_.Unwatch(fd);
  close(fd);
  // Every close of a connection the handler knows as a stream is
  // announced, whichever path closes it.
  if (announced && on_stream_closed_) on_stream_closed_(id);
}

bool HttpServer::Flush(int id, Connection& conn) {
  while (true) {
    // The next part of a produced body, once most of the last is sent.
    if (conn.more && conn.out.size() < kProducedChunk) {
      if (!conn.more(conn.out)) {
        conn.more = nullptr;
        conn.out += conn.after;
        conn.after.clear();
      }
    }
    if (conn.out.empty()) break;
    const ssize_t n = send(conn.fd, conn.out.data(), conn.out.size(),
                           MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      conn.out.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;  // The client went away.
  }
  const bool pending = !conn.out.empty() || conn.more;
  if (pending != conn.waiting_writable) {
    conn.waiting_writable = pending;
    loop_.WatchWritable(
        conn.fd, pending ? std::function<void()>([this, id] { OnWritable(id); })
                         : nullptr);
  }
  // A whole reply is as large as its handler made it; a stream's client
  // that falls this far behind is not reading.
  return conn.finishing || conn.out.size() <= kMaxStreamBacklog;
}

void HttpServer::OnWritable(int id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (!Flush(id, it->second) || Done(it->second)) {
    Close(id);
  }
}

void HttpServer::FlushStreams() {
  std::vector<int> done;
  for (auto& [id, conn] : connections_) {
    if (!conn.out.empty() && !Flush(id, conn)) {
      done.push_back(id);
    } else if (Done(conn)) {
      done.push_back(id);
    }
  }
  for (int id : done) Close(id);
}

void HttpServer::Finish(int connection, std::string_view data) {
  if (!Send(connection, data)) return;
  auto it = connections_.find(connection);
  if (it == connections_.end()) return;
  it->second.finishing = true;
  if (Done(it->second)) {
    Close(connection);
  } else {
    Deadline(connection, limits_.reply_deadline);
  }
}

bool HttpServer::Send(int connection, std::string_view data) {
  auto it = connections_.find(connection);
  if (it == connections_.end() || !it->second.streaming) return false;
  if (it->second.more) {
    // After the produced body; a client that does not read it is closed.
    it->second.after.append(data);
    if (it->second.after.size() <= kMaxStreamBacklog) return true;
    Close(connection);
    return false;
  }
  it->second.out.append(data);
  if (!Flush(connection, it->second)) {
    Close(connection);
    return false;
  }
  return true;
}

void HttpServer::OnReadable(int id) {
  auto found = connections_.find(id);
  if (found == connections_.end()) return;
  Connection& conn = found->second;
  const int fd = conn.fd;
  char buf[4096];
  bool eof = false;
  while (true) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
      if (!conn.streaming) conn.in.append(buf, n);
      if (conn.in.size() > kMaxRequest + 8192) break;
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) eof = true;
    break;
  }
  if (conn.streaming) {
    // A streaming client only ever hangs up.
    if (eof) Close(id);
    return;
  }
  absl::StatusOr<std::optional<HttpRequest>> req = ParseHttpRequest(conn.in);
  HttpResponse resp;
  if (!req.ok()) {
    resp = {400, "text/plain", std::string(req.status().message()) + "\n"};
  } else if (!req->has_value()) {
    if (eof) Close(id);
    return;  // Wait for the rest, until the deadline.
  } else {
    (*req)->connection = id;
    (*req)->peer = conn.peer;
    resp = handler_(**req);
  }
  // The handler may have closed connections (answers to other streams).
  auto again = connections_.find(id);
  if (again == connections_.end()) return;
  Connection& c = again->second;
  // A stream the handler registered is announced when it closes, even
  // when the client already hung up (request and EOF in one read).
  c.announced = resp.stream;
  c.in.clear();
  c.streaming = true;  // From now on the connection only writes.
  if (resp.stream && !eof) {
    if (c.timeout != 0) {
      loop_.Cancel(c.timeout);
      c.timeout = 0;
    }
    c.out = SerializeHttpResponse(resp);
    c.more = std::move(resp.more);
    if (!Flush(id, c)) Close(id);
    return;
  }
  // A whole reply (or a stream's start to a client that already hung up
  // its side): sent as the peer takes it, then the connection closes.
  resp.stream = false;
  c.out = SerializeHttpResponse(resp);
  c.more = std::move(resp.more);
  c.finishing = true;
  if (!Flush(id, c) || Done(c)) {
    Close(id);
    return;
  }
  Deadline(id, limits_.reply_deadline);
}

HttpResponse JsonError(int status, std::string_view message) {
  schema::JsonWriter w;
  w.BeginObject().Key("ok").Bool(false).Key("error").String(message);
  w.EndObject();
  return {status, "application/json", w.Take() + "\n"};
}

}  // namespace podwall::daemon
