#ifndef PODWALL_CONTROLLER_SOURCES_KUBE_CLIENT_H_
#define PODWALL_CONTROLLER_SOURCES_KUBE_CLIENT_H_

// HTTP to the Kubernetes API server with libcurl: TLS with the config's CA
// (or none when insecure), client certificates, a bearer token re-read per
// request, HTTP/2 where the server offers it. Blocking: the Kubernetes
// source calls it from its own threads. One client per thread.

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "controller/sources/kubeconfig.h"

namespace podwall::controller {

struct KubeResponse {
  long status = 0;
  std::string body;
};

class KubeClient {
 public:
  // `stop` (optional) aborts transfers in progress when it becomes true.
  KubeClient(KubeClientConfig config, const std::atomic<bool>* stop = nullptr)
      : config_(std::move(config)), stop_(stop) {}

  // GET `path` ("/api/v1/pods?limit=500"). Transport errors are
  // Unavailable; HTTP errors come back as the status.
  absl::StatusOr<KubeResponse> Get(const std::string& path);

  // GET a streaming `path` (?watch=1) and hand each line to `on_line` as it
  // arrives, until the server ends the stream, `on_line` returns false, or
  // nothing arrives for `idle_seconds`. Returns the HTTP status.
  absl::StatusOr<long> Stream(
      const std::string& path, int idle_seconds,
      const std::function<bool(std::string_view line)>& on_line);

 private:
  KubeClientConfig config_;
  const std::atomic<bool>* stop_;
};

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_SOURCES_KUBE_CLIENT_H_
