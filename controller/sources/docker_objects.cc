#include "controller/sources/docker_objects.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "policy-schema/json_fields.h"
#include "policy-schema/json_writer.h"
#include "policy-schema/k8s_names.h"

namespace podwall::sources {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

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

// A valid image ID: it becomes a URL path segment.
bool ValidImageId(std::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(),
                     [](char c) { return std::isalnum(c) || c == ':'; });
}

// The container's own labels: without those its image sets (same key and
// value), checked as Kubernetes labels. Returns the problem, or "".
std::string OwnLabels(object labels, const std::string& image,
                      const ImageLabels& images, schema::Labels& out) {
  auto inherited = images.find(image);
  if (!image.empty() && inherited == images.end()) {
    return "the labels of image " + image + " are not known";
  }
  for (auto [key, value] : labels) {
    std::string_view v;
    if (value.get_string().get(v)) continue;
    if (inherited != images.end()) {
      auto it = inherited->second.find(std::string(key));
      if (it != inherited->second.end() && it->second == v) continue;
    }
    for (const std::string& e : schema::IsQualifiedName(key)) {
      return absl::StrCat("label key \"", std::string(key), "\": ", e);
    }
    for (const std::string& e : schema::IsValidLabelValue(v)) {
      return absl::StrCat("label ", std::string(key), ": invalid value \"",
                          std::string(v), "\": ", e);
    }
    out[std::string(key)] = std::string(v);
  }
  return "";
}

absl::StatusOr<DockerContainer> ParseListed(
    element doc, const std::string& node_name, const ImageLabels& images,
    const std::vector<std::string>& joining) {
  if (!doc.is_object()) return Bad("container list", "an entry not an object");
  DockerContainer out;
  out.id = schema::JsonString(doc, "Id");
  if (out.id.empty()) return Bad("container list", "an entry without Id");
  // Names: "/web", and "/other/alias" for each legacy link to it.
  std::string name;
  simdjson::dom::array names;
  if (!doc["Names"].get_array().get(names)) {
    for (element n : names) {
      std::string_view v;
      if (!n.get_string().get(v) && v.size() > 1 && v.find('/', 1) == v.npos) {
        name = std::string(v.substr(1));
      }
    }
  }
  if (name.empty()) return Bad("container " + out.id, "no name");

  // Only a container that runs (or is about to: its network is up before
  // its process starts) is an endpoint.
  const std::string status = schema::JsonString(doc, "State");
  if (status != "running" && status != "restarting" && status != "paused" &&
      status != "created") {
    return out;
  }
  const std::string mode = schema::JsonString(doc["HostConfig"], "NetworkMode");
  if (mode == "host" || mode.rfind("container:", 0) == 0) return out;

  schema::Pod pod;
  pod.metadata.name = name;
  object labels;
  if (!doc["Labels"].get_object().get(labels)) {
    out.problem = OwnLabels(labels, schema::JsonString(doc, "ImageID"), images,
                            pod.metadata.labels);
    if (!out.problem.empty()) return out;
  }
  const auto& l = pod.metadata.labels;
  if (auto it = l.find(kDockerNamespaceLabel); it != l.end()) {
    pod.metadata.namespace_ = it->second;
  } else if (auto it = l.find(kComposeProjectLabel); it != l.end()) {
    pod.metadata.namespace_ = it->second;
  } else {
    pod.metadata.namespace_ = "default";
  }
  for (const std::string& e : schema::IsDns1123Label(pod.metadata.namespace_)) {
    out.problem = absl::StrCat("namespace \"", pod.metadata.namespace_,
                               "\" (from its labels): ", e);
    return out;
  }
  pod.metadata.uid = out.id;
  if (const uint64_t created = schema::JsonUint(doc, "Created")) {
    // Which of two containers holding one address is newer.
    pod.metadata.creation_timestamp = schema::FormatRfc3339(
        std::chrono::system_clock::time_point(std::chrono::seconds(created)));
  }
  pod.spec.node_name = node_name;
  pod.status.phase = "Running";

  object networks;
  if (!doc["NetworkSettings"]["Networks"].get_object().get(networks)) {
    for (auto [net, settings] : networks) {
      for (const char* field : {"IPAddress", "GlobalIPv6Address"}) {
        std::string ip = schema::JsonString(settings, field);
        if (!ip.empty() &&
            std::find(pod.status.pod_ips.begin(), pod.status.pod_ips.end(),
                      ip) == pod.status.pod_ips.end()) {
          pod.status.pod_ips.push_back(std::move(ip));
        }
      }
    }
  }
  for (const std::string& ip : joining) {
    if (std::find(pod.status.pod_ips.begin(), pod.status.pod_ips.end(), ip) ==
        pod.status.pod_ips.end()) {
      pod.status.pod_ips.push_back(ip);
    }
  }
  if (pod.status.pod_ips.empty()) return out;  // Not connected (yet).
  std::sort(pod.status.pod_ips.begin(), pod.status.pod_ips.end());
  pod.status.pod_ip = pod.status.pod_ips.front();

  schema::Container container;
  container.name = name;
  // Exposed ports, published or not (a published one is listed once per
  // host address).
  simdjson::dom::array ports;
  if (!doc["Ports"].get_array().get(ports)) {
    for (element p : ports) {
      int64_t number = 0;
      if (p["PrivatePort"].get_int64().get(number)) continue;
      auto spec = ParsePortSpec(
          absl::StrCat(number, "/", schema::JsonString(p, "Type")));
      if (!spec) continue;
      std::string lower = spec->second;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      schema::ContainerPort port{absl::StrCat(lower, "-", spec->first),
                                 spec->first, spec->second};
      if (std::find(container.ports.begin(), container.ports.end(), port) ==
          container.ports.end()) {
        container.ports.push_back(std::move(port));
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

}  // namespace

absl::StatusOr<std::set<std::string>> ParseImageIds(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(json.data(), json.size()).get_array().get(list)) {
    return Bad("container list", "not a JSON array");
  }
  std::set<std::string> ids;
  for (element c : list) {
    std::string id = schema::JsonString(c, "ImageID");
    if (ValidImageId(id)) ids.insert(std::move(id));
  }
  return ids;
}

absl::StatusOr<std::map<std::string, std::string>> ParseImageLabels(
    std::string_view json) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(json.data(), json.size()).get(doc) || !doc.is_object()) {
    return Bad("image", "not a JSON object");
  }
  std::map<std::string, std::string> labels;
  object config;
  if (doc["Config"]["Labels"].get_object().get(config)) return labels;
  for (auto [key, value] : config) {
    std::string_view v;
    if (!value.get_string().get(v)) labels[std::string(key)] = std::string(v);
  }
  return labels;
}

absl::StatusOr<std::vector<DockerContainer>> ParseContainers(
    std::string_view json, const std::string& node_name,
    const ImageLabels& images, const std::vector<std::string>& joining) {
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(json.data(), json.size()).get_array().get(list)) {
    return Bad("container list", "not a JSON array");
  }
  std::vector<DockerContainer> out;
  for (element c : list) {
    absl::StatusOr<DockerContainer> one =
        ParseListed(c, node_name, images, joining);
    if (!one.ok()) return one.status();
    out.push_back(*std::move(one));
  }
  return out;
}

absl::StatusOr<DockerEvent> ParseDockerEvent(std::string_view line) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(line.data(), line.size()).get(doc) || !doc.is_object()) {
    return Bad("event", "not a JSON object");
  }
  DockerEvent ev;
  ev.type = schema::JsonString(doc, "Type");
  ev.action = schema::JsonString(doc, "Action");
  if (ev.type == "container") {
    ev.container_id = schema::JsonString(doc["Actor"], "ID");
  } else if (ev.type == "network") {
    ev.container_id =
        schema::JsonString(doc["Actor"]["Attributes"], "container");
    ev.network_id = schema::JsonString(doc["Actor"], "ID");
  }
  return ev;
}

absl::StatusOr<std::vector<std::string>> ParseNetworkEndpoint(
    std::string_view json, const std::string& container_id) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(json.data(), json.size()).get(doc) || !doc.is_object()) {
    return Bad("network", "not a JSON object");
  }
  std::vector<std::string> ips;
  element endpoint;
  if (doc["Containers"][container_id].get(endpoint)) return ips;
  for (const char* field : {"IPv4Address", "IPv6Address"}) {
    std::string cidr = schema::JsonString(endpoint, field);
    cidr = cidr.substr(0, cidr.find('/'));
    if (!cidr.empty()) ips.push_back(std::move(cidr));
  }
  return ips;
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
    if (schema::JsonString(n, "Driver") != "bridge") continue;
    simdjson::dom::array configs;
    if (n["IPAM"]["Config"].get_array().get(configs)) continue;
    for (element c : configs) {
      std::string subnet = schema::JsonString(c, "Subnet");
      if (!subnet.empty()) subnets.push_back(std::move(subnet));
    }
  }
  std::sort(subnets.begin(), subnets.end());
  subnets.erase(std::unique(subnets.begin(), subnets.end()), subnets.end());
  return subnets;
}

}  // namespace podwall::sources
