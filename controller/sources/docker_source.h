#ifndef PODWALL_CONTROLLER_SOURCES_DOCKER_SOURCE_H_
#define PODWALL_CONTROLLER_SOURCES_DOCKER_SOURCE_H_

// Containers on a Docker host as Pods (`podwalld --docker[=SOCKET]`), from
// the Docker Engine API over its unix socket. One thread:
//   resync: list the running containers (docker_objects.h says how a
//     container becomes a Pod), delete what vanished, read the bridge
//     networks' subnets (guarded: an address there that no known container
//     holds is dropped);
//   then follow /events from just before the list (start, die, destroy,
//     rename, network connect and disconnect, network create and destroy),
//     listing again the one container each event names;
//   when the stream ends (dockerd restarted) or fails, reconnect with
//   backoff and resync.
// Changes cross to the daemon's loop through a queue and an eventfd, as in
// the Kubernetes source. synced() turns true after the first resync.

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "controller/sources/docker_objects.h"
#include "controller/sources/http_client.h"
#include "controller/sources/source.h"
#include "controller/sources/source_queue.h"

namespace podwall::sources {

class DockerSource : public QueuedSource {
 public:
  struct Options {
    std::string socket = "/var/run/docker.sock";
    std::string node_name;
    std::chrono::milliseconds min_backoff{200};
    std::chrono::milliseconds max_backoff{10000};
    // The engine's event stream has no heartbeat: after this long without
    // an event the containers are listed again, so an event the engine
    // lost (or never sent) is made up for.
    std::chrono::seconds relist_after_quiet{300};
  };
  explicit DockerSource(Options options);
  ~DockerSource() override;

  absl::Status Start(ChangeSink& sink) override;
  SourceStatus status() const override;
  bool synced() const override;
  // The bridge networks' subnets.
  std::vector<std::string> guarded_networks() const override;

 private:
  void Run();
  // Lists every running container and the networks' subnets; `since` is
  // set to just before the list.
  absl::Status Resync(HttpClient& client, std::string& since);
  // Lists one container again and reports what changed about it; with
  // `joined_network`, also takes its address there from the network.
  absl::Status Refresh(HttpClient& client, const std::string& id,
                       const std::string& joined_network = "");
  // Compares with what was last reported for `id` and pushes the changes.
  void Report(const std::string& id, std::optional<schema::Pod> pod);
  absl::Status RefreshSubnets(HttpClient& client);
  // The labels of the images of the containers `list_json` lists that are
  // not known yet (an image's labels never change); with `prune`, forgets
  // the images no listed container uses.
  absl::Status LearnImages(HttpClient& client, std::string_view list_json,
                           bool prune);
  // Notes a running container that is no endpoint (`problem`), once.
  void NoteProblem(const DockerContainer& c);

  Options options_;
  HttpClientConfig http_;
  std::thread thread_;
  // What was last reported per container id (the source thread's own).
  std::map<std::string, schema::Pod> reported_;
  ImageLabels images_;  // The source thread's own.

  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  std::size_t objects_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> subnets_ ABSL_GUARDED_BY(mu_);
  // Container id -> why it is no endpoint (status warnings).
  std::map<std::string, std::string> problems_ ABSL_GUARDED_BY(mu_);
};

}  // namespace podwall::sources

#endif  // PODWALL_CONTROLLER_SOURCES_DOCKER_SOURCE_H_
