#ifndef PODWALL_CONTROLLER_SOURCES_HTTP_CLIENT_H_
#define PODWALL_CONTROLLER_SOURCES_HTTP_CLIENT_H_

// HTTP for the sources that read an API with libcurl: the Kubernetes API
// server (TLS with the config's CA or none when insecure, client
// certificates, a bearer token re-read per request, HTTP/2 where offered)
// and the Docker Engine (plain HTTP/1.1 over its unix socket). Blocking:
// the sources call it from their own threads. One client per thread.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace podwall::sources {

// Where and how to connect.
struct HttpClientConfig {
  std::string server;       // "https://host:port" or "http://docker"; no
                            // trailing slash.
  std::string unix_socket;  // Connect here instead of server's host.
  std::string ca_pem;       // Empty: the system's trust store.
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;       // A static bearer token, or
  std::string token_file;  // a file re-read per request (tokens rotate).
};

// The bearer token to send now: the static one, or the file's current
// content (trimmed). Empty when the config has neither.
absl::StatusOr<std::string> CurrentToken(const HttpClientConfig& config);

struct HttpReply {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  // `stop` (optional) aborts transfers in progress when it becomes true.
  HttpClient(HttpClientConfig config, const std::atomic<bool>* stop = nullptr)
      : config_(std::move(config)), stop_(stop) {}

  // GET `path` ("/api/v1/pods?limit=500"). Transport errors are
  // Unavailable; HTTP errors come back as the status.
  absl::StatusOr<HttpReply> Get(const std::string& path);

  // GET a streaming `path` (?watch=1) and hand each line to `on_line` as it
  // arrives, until the server ends the stream, `on_line` returns false, or
  // nothing arrives for `idle_seconds` (0: wait for ever). Returns the HTTP
  // status; DeadlineExceeded when the stream went quiet for that long.
  absl::StatusOr<long> Stream(
      const std::string& path, int idle_seconds,
      const std::function<bool(std::string_view line)>& on_line);

 private:
  HttpClientConfig config_;
  const std::atomic<bool>* stop_;
  std::shared_ptr<void> get_handle_;  // CURL*, kept for keep-alive.
};

}  // namespace podwall::sources

#endif  // PODWALL_CONTROLLER_SOURCES_HTTP_CLIENT_H_
