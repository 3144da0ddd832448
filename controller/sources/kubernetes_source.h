#ifndef PODWALL_CONTROLLER_SOURCES_KUBERNETES_SOURCE_H_
#define PODWALL_CONTROLLER_SOURCES_KUBERNETES_SOURCE_H_

// Namespaces, Pods, Nodes, NetworkPolicies and ClusterNetworkPolicies
// (policy.networking.k8s.io/v1alpha2) from a Kubernetes API server
// (`podwalld --kubeconfig FILE | --in-cluster`). One thread per resource:
//   list in pages (limit/continue), then watch from the list's
//   resourceVersion with bookmarks; on 410 Gone / Expired, list again and
//   synthesize deletes for what vanished; on any error or dropped stream,
//   reconnect with exponential backoff and jitter; a watch silent for its
//   idle timeout is restarted.
// Changes cross to the daemon's loop through a queue and an eventfd.
// A cluster without the ClusterNetworkPolicy CRD is not an error: its list
// answers 404, which counts as listed and empty, and the source asks again
// every `absent_poll` for the CRD appearing.
// Start() returns at once; synced() turns true once every resource has
// been listed, so the daemon never applies a partial view: until then
// the rules already in the kernel stay in force, and the control socket
// says why (an API server that cannot be reached, say).

#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controller/sources/http_client.h"
#include "controller/sources/source.h"
#include "controller/sources/source_queue.h"

namespace podwall::sources {

class KubernetesSource : public QueuedSource {
 public:
  struct Options {
    // Asked of the server as the watch's timeoutSeconds; a watch silent
    // for that plus the grace is taken for hung and restarted.
    int watch_idle_seconds = 300;
    int watch_grace_seconds = 30;
    int page_size = 500;
    std::chrono::milliseconds min_backoff{200};
    std::chrono::milliseconds max_backoff{30000};
    std::chrono::milliseconds absent_poll{30000};
  };
  KubernetesSource(HttpClientConfig config, Options options);
  ~KubernetesSource() override;

  absl::Status Start(ChangeSink& sink) override;
  SourceStatus status() const override;
  bool synced() const override;

 private:
  struct Resource {
    std::string name;       // "pods"
    std::string path;       // "/api/v1/pods"
    bool optional = false;  // 404: no CRD, no objects.
  };
  void Run(const Resource& resource);
  // What a resource's thread keeps of the objects it has reported: their
  // keys, and the identity of one of them (every object of a resource is of
  // one kind) to report deletes with.
  struct Reported {
    std::set<std::string> keys;
    std::optional<schema::Object> prototype;
  };
  // Lists every page into `listed`; returns the list's resourceVersion.
  absl::StatusOr<std::string> List(HttpClient& client, const Resource& r,
                                   Reported& listed);
  // A resource whose CRD is not installed: deletes what it reported,
  // counts as listed, and waits `absent_poll` (notes it the first time).
  void Absent(const Resource& r, Reported& last, int& notes);
  // Says which valid fields of `object` podwall does not enforce.
  void WarnUnenforced(const schema::Object& object);
  void Backoff(int& failures) {
    queue_.Backoff(failures, options_.min_backoff, options_.max_backoff);
  }

  HttpClientConfig config_;
  Options options_;
  std::vector<std::thread> threads_;

  // Resources listed once.
  std::set<std::string> synced_ ABSL_GUARDED_BY(mu_);
  // Per resource.
  std::map<std::string, std::size_t> objects_ ABSL_GUARDED_BY(mu_);
  std::size_t relists_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace podwall::sources

#endif  // PODWALL_CONTROLLER_SOURCES_KUBERNETES_SOURCE_H_
