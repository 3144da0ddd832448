#include "enforcer/daemon/cni_endpoints.h"

#include <simdjson.h>

#include <set>

#include "policy-schema/json_fields.h"

namespace podwall::daemon {
namespace {

using simdjson::dom::element;

absl::Status Bad(const std::string& message) {
  return absl::InvalidArgumentError("POST /v1/endpoints: " + message);
}

absl::StatusOr<CniEndpoints::Endpoint> ParseCommon(std::string_view json,
                                                   element& doc,
                                                   simdjson::dom::parser& p) {
  if (p.parse(json.data(), json.size()).get(doc) || !doc.is_object()) {
    return Bad("the body is not a JSON object");
  }
  CniEndpoints::Endpoint e;
  const std::string ns = schema::JsonString(doc, "namespace");
  const std::string name = schema::JsonString(doc, "name");
  if (ns.empty()) return Bad("namespace: Required value");
  if (name.empty()) return Bad("name: Required value");
  e.key = ns + "/" + name;
  e.container_id = schema::JsonString(doc, "containerID");
  return e;
}

// The pod with the sandbox's addresses added to those its source shows:
// the source may still show an older sandbox's (kubelet writes the new
// ones only after ADD returns), and the new ones must be enforced now.
schema::Pod Merged(schema::Pod pod, const CniEndpoints::Endpoint& e) {
  std::vector<std::string> ips = pod.status.pod_ips;
  if (ips.empty() && !pod.status.pod_ip.empty()) {
    ips.push_back(pod.status.pod_ip);
  }
  std::set<schema::IpAddress> have;
  for (const std::string& text : ips) {
    if (auto ip = schema::IpAddress::Parse(text)) have.insert(*ip);
  }
  for (const std::string& text : e.ips) {
    auto ip = schema::IpAddress::Parse(text);
    if (ip && have.insert(*ip).second) ips.push_back(text);
  }
  pod.status.pod_ips = ips;
  if (!ips.empty()) pod.status.pod_ip = ips.front();
  return pod;
}

}  // namespace

absl::StatusOr<CniEndpoints::Endpoint> CniEndpoints::ParseAdd(
    std::string_view json) {
  simdjson::dom::parser parser;
  element doc;
  absl::StatusOr<Endpoint> e = ParseCommon(json, doc, parser);
  if (!e.ok()) return e.status();
  e->interface = schema::JsonString(doc, "interface");
  simdjson::dom::array ips;
  if (doc["ips"].get_array().get(ips)) return Bad("ips: Required value");
  for (element ip : ips) {
    std::string_view text;
    if (ip.get_string().get(text) || !schema::IpAddress::Parse(text)) {
      return Bad("ips: Invalid value: not an IP address");
    }
    e->ips.emplace_back(text);
  }
  if (e->ips.empty()) return Bad("ips: Required value");
  int64_t timeout = 0;
  if (!doc["timeoutSeconds"].get_int64().get(timeout)) {
    if (timeout < 1 || timeout > 600) {
      return Bad("timeoutSeconds: Invalid value: must be 1..600");
    }
    e->timeout_seconds = static_cast<int>(timeout);
  }
  return e;
}

absl::StatusOr<CniEndpoints::Endpoint> CniEndpoints::ParseDelete(
    std::string_view json) {
  simdjson::dom::parser parser;
  element doc;
  return ParseCommon(json, doc, parser);
}

schema::Pod CniEndpoints::OnSourcePod(const schema::Pod& pod) {
  const std::string key = pod.metadata.namespace_ + "/" + pod.metadata.name;
  if (pod.spec.node_name != node_name_) {
    local_.erase(key);
    return pod;
  }
  local_[key] = pod;
  auto it = endpoints_.find(key);
  return it == endpoints_.end() ? pod : Merged(pod, it->second);
}

void CniEndpoints::OnSourceDelete(const std::string& key) {
  local_.erase(key);
  endpoints_.erase(key);
}

std::optional<schema::Pod> CniEndpoints::Add(Endpoint endpoint) {
  const std::string key = endpoint.key;
  Endpoint& e = endpoints_[key] = std::move(endpoint);
  auto it = local_.find(key);
  if (it == local_.end()) return std::nullopt;
  return Merged(it->second, e);
}

std::optional<schema::Pod> CniEndpoints::Remove(
    const std::string& key, const std::string& container_id) {
  auto it = endpoints_.find(key);
  if (it == endpoints_.end()) return std::nullopt;
  // A DEL for an older sandbox of the pod must not undo a newer ADD.
  if (!container_id.empty() && !it->second.container_id.empty() &&
      container_id != it->second.container_id) {
    return std::nullopt;
  }
  endpoints_.erase(it);
  auto pod = local_.find(key);
  if (pod == local_.end()) return std::nullopt;
  return pod->second;
}

const CniEndpoints::Endpoint* CniEndpoints::Find(const std::string& key) const {
  auto it = endpoints_.find(key);
  return it == endpoints_.end() ? nullptr : &it->second;
}

std::map<schema::IpAddress, std::string> CniEndpoints::Interfaces() const {
  std::map<schema::IpAddress, std::string> out;
  for (const auto& [key, e] : endpoints_) {
    if (e.interface.empty()) continue;
    for (const std::string& text : e.ips) {
      if (auto ip = schema::IpAddress::Parse(text)) out[*ip] = e.interface;
    }
  }
  return out;
}

}  // namespace podwall::daemon
