#ifndef PODWALL_POLICY_SCHEMA_API_TYPES_H_
#define PODWALL_POLICY_SCHEMA_API_TYPES_H_

// The Kubernetes API objects podwall consumes, as plain values: Namespace,
// Pod (the fields policy enforcement needs) and NetworkPolicy
// (networking.k8s.io/v1, every field). They mirror the API's shape so that a
// decoded object can be validated exactly as the API server would; optional
// API fields are std::optional so that "absent" and "empty" stay distinct
// (an absent namespaceSelector and `namespaceSelector: {}` mean different
// things).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "policy-schema/label_selector.h"

namespace podwall::schema {

using Labels = std::map<std::string, std::string>;

struct ObjectMeta {
  std::string name;
  std::string generate_name;
  std::string namespace_;  // Empty when the object is cluster-scoped or unset.
  std::string uid;
  std::string resource_version;
  Labels labels;
  // RFC 3339 as the API server writes it ("2026-11-22T13:45:01Z"); compares
  // in time order as text. Empty when unknown.
  std::string creation_timestamp = {};

  bool operator==(const ObjectMeta&) const = default;
};

// --- Namespace (v1) ---------------------------------------------------------

struct Namespace {
  ObjectMeta metadata;

  bool operator==(const Namespace&) const = default;
};

// --- Pod (v1), the subset policy enforcement reads ---------------------------

struct ContainerPort {
  std::string name;  // IANA service name, may be empty.
  int32_t container_port = 0;
  std::optional<std::string> protocol;  // "TCP" after defaulting.

  bool operator==(const ContainerPort&) const = default;
};

struct Container {
  std::string name;
  std::vector<ContainerPort> ports;

  bool operator==(const Container&) const = default;
};

struct PodSpec {
  std::string node_name;
  bool host_network = false;
  std::vector<Container> containers;

  bool operator==(const PodSpec&) const = default;
};

struct PodStatus {
  std::string phase;   // Pending, Running, Succeeded, Failed, Unknown.
  std::string pod_ip;  // status.podIP, the primary address.
  std::vector<std::string> pod_ips;  // status.podIPs[].ip, dual-stack.

  bool operator==(const PodStatus&) const = default;
};

struct Pod {
  ObjectMeta metadata;
  PodSpec spec;
  PodStatus status;

  bool operator==(const Pod&) const = default;
};

// --- NetworkPolicy (networking.k8s.io/v1) -----------------------------------

// intstr.IntOrString: a port number or a named port. A YAML/JSON string is
// always a name, even when it looks like a number ("80").
struct PortRef {
  bool is_name = false;
  int32_t number = 0;
  std::string name;

  bool operator==(const PortRef&) const = default;
};

struct NetworkPolicyPort {
  std::optional<std::string> protocol;  // "TCP" after defaulting.
  std::optional<PortRef> port;          // Absent: every port.
  std::optional<int32_t> end_port;

  bool operator==(const NetworkPolicyPort&) const = default;
};

struct IPBlock {
  std::string cidr;
  std::vector<std::string> except;

  bool operator==(const IPBlock&) const = default;
};

struct NetworkPolicyPeer {
  std::optional<LabelSelector> pod_selector;
  std::optional<LabelSelector> namespace_selector;
  std::optional<IPBlock> ip_block;

  bool operator==(const NetworkPolicyPeer&) const = default;
};

struct NetworkPolicyIngressRule {
  std::vector<NetworkPolicyPort> ports;
  std::vector<NetworkPolicyPeer> from;

  bool operator==(const NetworkPolicyIngressRule&) const = default;
};

struct NetworkPolicyEgressRule {
  std::vector<NetworkPolicyPort> ports;
  std::vector<NetworkPolicyPeer> to;

  bool operator==(const NetworkPolicyEgressRule&) const = default;
};

struct NetworkPolicySpec {
  LabelSelector pod_selector;
  std::vector<NetworkPolicyIngressRule> ingress;
  std::vector<NetworkPolicyEgressRule> egress;
  // Raw strings so that an unsupported value can be reported as the API
  // server reports it; "Ingress"/"Egress" after validation.
  std::vector<std::string> policy_types;

  bool operator==(const NetworkPolicySpec&) const = default;
};

struct NetworkPolicy {
  ObjectMeta metadata;
  NetworkPolicySpec spec;

  bool operator==(const NetworkPolicy&) const = default;
};

// Any object a manifest file may hold.
using Object = std::variant<Namespace, Pod, NetworkPolicy>;

// "Namespace", "Pod" or "NetworkPolicy".
const char* KindName(const Object& object);

// The object's metadata, whatever its kind.
const ObjectMeta& MetadataOf(const Object& object);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_API_TYPES_H_
