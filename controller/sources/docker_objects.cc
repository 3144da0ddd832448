#include "controller/sources/docker_objects.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace podwall::controller {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// A string field, or "" when absent, null or not a string.
std::string Str(element e, std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v)) return "";
  return std::string(v);
}

absl::Status Bad(std::string_view what, std::string_view detail) {
  return absl::InvalidArgumentError("docker " + std::string(what) + ": " +
                                    std::string(detail));
}

// "80/tcp" -> (80, "TCP"); a bare "80" is TCP.
std::optional<std::pair<int32_t, std::string>> ParsePortSpec(
    std::string_view spec) {
  std::string proto = "TCP";
  if (const std::size_t slash = spec.find('/'); slash != spec.npos) {
    proto = std::string(spec.substr(slash + 1));
    std::transform(proto.begin(), proto.end(), proto.begin(), ::toupper);
    spec = spec.substr(0, slash);
  }
  if (spec.empty() || spec.size() > 5 ||
      !std::all_of(spec.begin(), spec.end(), ::isdigit)) {
    return std::nullopt;
  }
  const int port = std::atoi(std::string(spec).c_str());
  if (port < 1 || port > 65535) return std::nullopt;
  if (proto != "TCP" && proto != "UDP" && proto != "SCTP") return std::nullopt;
  return std::make_pair(port, proto);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseContainerIds(
    std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(json.data(), json.size()).get_array().get(list)) {
    return Bad("container list", "not a JSON array");
  }
  std::vector<std::string> ids;
  for (element c : list) {
    std::string id = Str(c, "Id");
    if (!id.empty()) ids.push_back(std::move(id));
  }
  return ids;
}

absl::StatusOr<DockerContainer> ParseContainer(std::string_view json,
                                               const std::string& node_name) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(json.data(), json.size()).get(doc) || !doc.is_object()) {
    return Bad("container", "not a JSON object");
  }
  DockerContainer out;
  out.id = Str(doc, "Id");
  if (out.id.empty()) return Bad("container", "no Id");
  std::string name = Str(doc, "Name");
  if (!name.empty() && name[0] == '/') name.erase(0, 1);
  if (name.empty()) return Bad("container " + out.id, "no Name");

  // Only a container that runs (or is about to: its network is up before
  // its process starts) is an endpoint.
  const std::string status = Str(doc["State"], "Status");
  if (status != "running" && status != "restarting" && status != "paused" &&
      status != "created") {
    return out;
  }
  const std::string mode = Str(doc["HostConfig"], "NetworkMode");
  if (mode == "host" || mode.rfind("container:", 0) == 0) return out;

  schema::Pod pod;
  pod.metadata.name = name;
  object labels;
  if (!doc["Config"]["Labels"].get_object().get(labels)) {
    for (auto [key, value] : labels) {
      std::string_view v;
      if (!value.get_string().get(v)) {
        pod.metadata.labels[std::string(key)] = std::string(v);
      }
    }
  }
  const auto& l = pod.metadata.labels;
  if (auto it = l.find(kDockerNamespaceLabel); it != l.end()) {
    pod.metadata.namespace_ = it->second;
  } else if (auto it = l.find(kComposeProjectLabel); it != l.end()) {
    pod.metadata.namespace_ = it->second;
  } else {
    pod.metadata.namespace_ = "default";
  }
  pod.metadata.uid = out.id;
  pod.spec.node_name = node_name;
  pod.status.phase = "Running";

  object networks;
  if (!doc["NetworkSettings"]["Networks"].get_object().get(networks)) {
    for (auto [net, settings] : networks) {
      for (const char* field : {"IPAddress", "GlobalIPv6Address"}) {
        std::string ip = Str(settings, field);
        if (!ip.empty() &&
            std::find(pod.status.pod_ips.begin(), pod.status.pod_ips.end(),
                      ip) == pod.status.pod_ips.end()) {
          pod.status.pod_ips.push_back(std::move(ip));
        }
      }
    }
  }
  if (pod.status.pod_ips.empty()) return out;  // Not connected (yet).
  std::sort(pod.status.pod_ips.begin(), pod.status.pod_ips.end());
  pod.status.pod_ip = pod.status.pod_ips.front();

  schema::Container container;
  container.name = name;
  object exposed;
  if (!doc["Config"]["ExposedPorts"].get_object().get(exposed)) {
    for (auto [spec, unused] : exposed) {
      (void)unused;
      if (auto p = ParsePortSpec(spec)) {
        std::string lower = p->second;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        container.ports.push_back(
            {absl::StrCat(lower, "-", p->first), p->first, p->second});
      }
    }
  }
  const std::string_view prefix = kDockerPortLabelPrefix;
  for (const auto& [key, value] : l) {
    if (key.rfind(prefix, 0) != 0 || key.size() == prefix.size()) continue;
    if (auto p = ParsePortSpec(value)) {
      container.ports.push_back(
          {key.substr(prefix.size()), p->first, p->second});
    }
  }
  pod.spec.containers.push_back(std::move(container));
  out.pod = std::move(pod);
  return out;
}

absl::StatusOr<DockerEvent> ParseDockerEvent(std::string_view line) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(line.data(), line.size()).get(doc) || !doc.is_object()) {
    return Bad("event", "not a JSON object");
  }
  DockerEvent ev;
  ev.type = Str(doc, "Type");
  ev.action = Str(doc, "Action");
  int64_t t = 0;
  if (!doc["timeNano"].get_int64().get(t)) ev.time_nano = t;
  if (ev.type == "container") {
    ev.container_id = Str(doc["Actor"], "ID");
  } else if (ev.type == "network") {
    ev.container_id = Str(doc["Actor"]["Attributes"], "container");
  }
  return ev;
}

absl::StatusOr<std::vector<std::string>> ParseBridgeSubnets(
    std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(json.data(), json.size()).get_array().get(list)) {
    return Bad("network list", "not a JSON array");
  }
  std::vector<std::string> subnets;
  for (element n : list) {
    if (Str(n, "Driver") != "bridge") continue;
    simdjson::dom::array configs;
    if (n["IPAM"]["Config"].get_array().get(configs)) continue;
    for (element c : configs) {
      std::string subnet = Str(c, "Subnet");
      if (!subnet.empty()) subnets.push_back(std::move(subnet));
    }
  }
  std::sort(subnets.begin(), subnets.end());
  subnets.erase(std::unique(subnets.begin(), subnets.end()), subnets.end());
  return subnets;
}

}  // namespace podwall::controller
