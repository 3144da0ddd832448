#ifndef PODWALL_ENFORCER_DAEMON_HTTP_SERVER_H_
#define PODWALL_ENFORCER_DAEMON_HTTP_SERVER_H_

// A small HTTP/1.1 server on the daemon's event loop, for the control
// socket (unix) and the metrics endpoint (TCP). One request per connection
// (Connection: close); requests are read without blocking the loop, and
// a connection idle for 5 s or sending more than 64 KiB is dropped.
// A handler may answer with a stream (GET /v1/flows?follow=1, or a reply
// that comes later, Finish()): the
// connection stays open, Send() appends to it without blocking, and a
// client that stops reading (more than 4 MiB behind) or hangs up is closed
// and reported to the stream-closed callback.

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

class HttpServer : public StreamWriter {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Listens on a unix socket at `path` (a stale socket file is replaced,
  // the parent directory created). The file is removed on destruction.
  static absl::StatusOr<std::unique_ptr<HttpServer>> ListenUnix(
      EventLoop& loop, const std::string& path, Handler handler);
  // Listens on "HOST:PORT" over TCP; port 0 picks a free port.
  static absl::StatusOr<std::unique_ptr<HttpServer>> ListenTcp(
      EventLoop& loop, const std::string& host_port, Handler handler);
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

 private:
  HttpServer(EventLoop& loop, int fd, std::string address, Handler handler)
      : loop_(loop),
        fd_(fd),
        address_(std::move(address)),
        handler_(std::move(handler)) {}
  absl::Status Start();
  void OnAccept();
  void OnReadable(int id);
  void Close(int id);

  struct Connection {
    int fd = -1;
    std::string in;
    EventLoop::TimerId timeout = 0;
    bool streaming = false;
    bool finishing = false;  // Close once `out` is sent.
    std::string out;         // Stream bytes the socket did not take yet.
    // The handler was told of a stream on it: its close is announced.
    bool announced = false;
  };
  bool Flush(Connection& conn);
  // A connection id not in use: ids, unlike fds, are not reused at once,
  // so a late Send() for a closed stream never reaches a new connection.
  int NextId();

  EventLoop& loop_;
  int fd_;
  std::string address_;
  std::string unix_path_;
  Handler handler_;
  std::map<int, Connection> connections_;  // By connection id.
  int next_id_ = 1;
  std::function<void(int)> on_stream_closed_;
};

// Parses a complete request from `data`: nullopt while more bytes are
// needed, an error for malformed input.
absl::StatusOr<std::optional<HttpRequest>> ParseHttpRequest(
    std::string_view data);

// The response as sent on the wire.
std::string SerializeHttpResponse(const HttpResponse& response);

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_HTTP_SERVER_H_
