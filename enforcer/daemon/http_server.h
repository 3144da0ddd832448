#ifndef PODWALL_ENFORCER_DAEMON_HTTP_SERVER_H_
#define PODWALL_ENFORCER_DAEMON_HTTP_SERVER_H_

// A small HTTP/1.1 server on the daemon's event loop, for the control
// socket (unix) and the metrics endpoint (TCP). One request per connection
// (Connection: close). Nothing a client does blocks the loop or grows
// without bound (HttpLimits): connections are capped in all and per peer
// (a full server closes the oldest one still sending its request, or else
// the new one; a peer at its cap gets no more), a request must arrive complete
// within its deadline and a reply be taken within another, at most 64 KiB
// are read, replies are written without blocking as the peer reads, and
// running out of descriptors pauses accepting instead of spinning.
// A handler may answer with a stream (GET /v1/flows?follow=1, or a reply
// that comes later, Finish()): the connection stays open, Send() appends
// to it without blocking, and a client that stops reading (more than 4 MiB
// behind) or hangs up is closed and reported to the stream-closed callback.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "enforcer/daemon/event_loop.h"

namespace podwall::daemon {

struct HttpRequest {
  int connection = -1;  // Identifies the connection for Send() (an id).
  // Who asks: "" for root on the unix socket, "uid N" for another user,
  // the address over TCP.
  std::string peer;
  std::string method;
  std::string path;                          // Without the query.
  std::map<std::string, std::string> query;  // Decoded.
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  bool stream = false;  // Keep the connection open after `body`.
  // The rest of the body, produced as the client reads (a large answer is
  // never built whole): called whenever the socket has taken what it was
  // given, it appends the next part to its argument and returns false
  // after the last. A stream's own data (Send) follows it.
  std::function<bool(std::string&)> more = nullptr;
};

// Where a handler's late answers and stream data go: the HttpServer, or a
// fake in tests.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // More data for an open stream; false when it is gone.
  virtual bool Send(int connection, std::string_view data) = 0;
  // The last data of a stream: the connection closes once it is sent.
  virtual void Finish(int connection, std::string_view data) = 0;
  // Retries what open streams could not take yet.
  virtual void FlushStreams() = 0;
};

struct HttpLimits {
  // Connections open at once, streams included. When full, the oldest
  // connection that has not sent its whole request is closed for the new
  // one: idle and slow clients cannot lock others out.
  std::size_t max_connections = 256;
  // Of those, from one peer: a uid on the unix socket (root, which runs
  // podwall-cni and owns the node anyway, is not limited), an address over
  // TCP.
  std::size_t max_per_peer = 32;
  // From accept to a complete request, and from the reply to its last
  // byte taken by the peer (not for streams: their backlog is capped).
  std::chrono::milliseconds request_deadline{5000};
  std::chrono::milliseconds reply_deadline{10000};
  // After accept fails for want of descriptors or memory.
  std::chrono::milliseconds accept_pause{200};
};

class HttpServer : public StreamWriter {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Listens on a unix socket at `path` (a stale socket file is replaced,
  // the parent directory created). The file is removed on destruction.
  static absl::StatusOr<std::unique_ptr<HttpServer>> ListenUnix(
      EventLoop& loop, const std::string& path, Handler handler,
      HttpLimits limits = {});
  // Listens on "HOST:PORT" over TCP; port 0 picks a free port.
  static absl::StatusOr<std::unique_ptr<HttpServer>> ListenTcp(
      EventLoop& loop, const std::string& host_port, Handler handler,
      HttpLimits limits = {});
  ~HttpServer() override;

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "HOST:PORT" with the real port, or the unix socket path.
  const std::string& address() const { return address_; }

  // StreamWriter. A handler answers late with Finish() (POST /v1/endpoints
  // waits for a sync).
  bool Send(int connection, std::string_view data) override;
  void Finish(int connection, std::string_view data) override;
  void FlushStreams() override;
  // What to call when a stream closes.
  void set_on_stream_closed(std::function<void(int connection)> fn) {
    on_stream_closed_ = std::move(fn);
  }

  // Connections closed at accept because a cap was reached, and times
  // accepting paused for want of descriptors (for metrics and tests).
  uint64_t refused_connections() const { return refused_; }
  // Connections closed unanswered to make room for a new one.
  uint64_t evicted_connections() const { return evicted_; }
  uint64_t accept_pauses() const { return accept_pauses_; }
  std::size_t open_connections() const { return connections_.size(); }

 private:
  HttpServer(EventLoop& loop, int fd, std::string address, Handler handler,
             HttpLimits limits)
      : loop_(loop),
        fd_(fd),
        address_(std::move(address)),
        handler_(std::move(handler)),
        limits_(limits) {}
  absl::Status Start();
  void OnAccept();
  void PauseAccept();
  // The connection accepted first of those still sending a request, or 0.
  int OldestUnanswered() const;
  void OnReadable(int id);
  void Close(int id);
  void Deadline(int id, std::chrono::milliseconds after);

  struct Connection {
    int fd = -1;
    std::string peer;  // For the per-peer cap; empty: not limited.
    std::string in;
    EventLoop::TimerId timeout = 0;
    bool streaming = false;
    bool finishing = false;  // Close once `out` is sent.
    std::string out;         // Bytes the socket did not take yet.
    std::function<bool(std::string&)> more;  // HttpResponse::more.
    std::string after;              // Stream data waiting for `more` to finish.
    bool waiting_writable = false;  // The loop calls back when it can.
    // The handler was told of a stream on it: its close is announced.
    bool announced = false;
  };
  // Writes what `out` holds without blocking; false when the peer is gone
  // or too far behind. What is left waits for the socket to take it.
  bool Flush(int id, Connection& conn);
  void OnWritable(int id);
  // A finishing connection with nothing left to send: it can close.
  static bool Done(const Connection& conn) {
    return conn.finishing && conn.out.empty() && !conn.more;
  }
  // The peer key of a new connection (Connection::peer).
  std::string PeerOf(int fd) const;
  // A connection id not in use: ids, unlike fds, are not reused at once,
  // so a late Send() for a closed stream never reaches a new connection.
  int NextId();

  EventLoop& loop_;
  int fd_;
  std::string address_;
  std::string unix_path_;
  Handler handler_;
  HttpLimits limits_;
  std::map<int, Connection> connections_;  // By connection id.
  std::map<std::string, std::size_t> per_peer_;
  int next_id_ = 1;
  std::function<void(int)> on_stream_closed_;
  bool accepting_ = true;
  EventLoop::TimerId accept_timer_ = 0;
  uint64_t refused_ = 0;
  uint64_t evicted_ = 0;
  uint64_t accept_pauses_ = 0;
};

// Parses a complete request from `data`: nullopt while more bytes are
// needed, an error for malformed input.
// {"ok":false,"error":MESSAGE}: how the control socket's JSON endpoints
// refuse a request.
HttpResponse JsonError(int status, std::string_view message);

absl::StatusOr<std::optional<HttpRequest>> ParseHttpRequest(
    std::string_view data);

// The response as sent on the wire.
std::string SerializeHttpResponse(const HttpResponse& response);

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_HTTP_SERVER_H_
