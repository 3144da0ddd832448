#ifndef PODWALL_CONTROLLER_SOURCES_DOCKER_OBJECTS_H_
#define PODWALL_CONTROLLER_SOURCES_DOCKER_OBJECTS_H_

// The Docker Engine API's JSON, read into what podwall needs: listed
// containers as Pods, an event's subject, a network's endpoint for a
// container, and the bridge networks' subnets. Pure functions; the Docker
// source does the HTTP.
//
// A container becomes a Pod:
//   name       the container's name (without Docker's leading '/');
//   namespace  its label io.podwall.namespace, else its Compose project
//              (com.docker.compose.project), else "default";
//   labels     the labels set on the container; those it inherits from its
//              image (same key and value as the image's) do not count, so
//              an image cannot give itself a namespace or another
//              workload's identity. Keys and values must be valid
//              Kubernetes labels and the namespace a DNS-1123 label, or
//              the container is no endpoint (`problem` says why), which on
//              a guarded bridge network isolates it;
//   addresses  its IPv4 and global IPv6 address on every network;
//   ports      each exposed port 80/tcp named "tcp-80", and each label
//              io.podwall.port.NAME=PORT[/PROTO] named NAME;
//   node       the node this daemon runs as.
// Containers in the host's network (or sharing another container's) are
// not endpoints: they have no addresses of their own.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "policy-schema/api_types.h"

namespace podwall::sources {

inline constexpr char kDockerNamespaceLabel[] = "io.podwall.namespace";
inline constexpr char kComposeProjectLabel[] = "com.docker.compose.project";
inline constexpr char kDockerPortLabelPrefix[] = "io.podwall.port.";

// A listed container: GET /containers/json, whose entries (unlike an
// inspection) the engine serves without waiting for a container that is
// starting.
struct DockerContainer {
  std::string id;
  std::optional<schema::Pod> pod;  // Empty when it is not an endpoint now.
  std::string problem;  // Why a running container is not an endpoint.
};

// Image ID -> the labels its configuration sets.
using ImageLabels = std::map<std::string, std::map<std::string, std::string>>;
// The ImageIDs of a container list's entries, for GET /images/ID/json.
// IDs that could not be part of a URL path are left out.
absl::StatusOr<std::set<std::string>> ParseImageIds(std::string_view json);
// GET /images/ID/json: Config.Labels.
absl::StatusOr<std::map<std::string, std::string>> ParseImageLabels(
    std::string_view json);
// `joining`: addresses a container has just been given on a network (from
// the network's endpoint list at its "connect" event), which the list only
// shows a moment later, once the container's process has started.
// `images`: the labels of the containers' images; a container whose image
// is not there is no endpoint (which labels it inherits is not known).
absl::StatusOr<std::vector<DockerContainer>> ParseContainers(
    std::string_view json, const std::string& node_name,
    const ImageLabels& images, const std::vector<std::string>& joining = {});

// One line of GET /events: which container it concerns, if any.
struct DockerEvent {
  std::string type;          // "container", "network".
  std::string action;        // "start", "die", "connect", ...
  std::string container_id;  // Empty when no container is concerned.
  std::string network_id;    // For network events.
};
absl::StatusOr<DockerEvent> ParseDockerEvent(std::string_view line);

// GET /networks/ID: the addresses (without prefix length) of
// `container_id`'s endpoint on that network.
absl::StatusOr<std::vector<std::string>> ParseNetworkEndpoint(
    std::string_view json, const std::string& container_id);

// GET /networks: the subnets ("172.17.0.0/16") of the bridge networks,
// sorted, where this host's containers get their addresses.
absl::StatusOr<std::vector<std::string>> ParseBridgeSubnets(
    std::string_view json);

}  // namespace podwall::sources

#endif  // PODWALL_CONTROLLER_SOURCES_DOCKER_OBJECTS_H_
