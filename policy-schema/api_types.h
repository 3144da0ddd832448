#ifndef PODWALL_POLICY_SCHEMA_API_TYPES_H_
#define PODWALL_POLICY_SCHEMA_API_TYPES_H_

// The Kubernetes API objects podwall consumes, as plain values: Namespace,
// Pod and Node (the fields policy enforcement needs), NetworkPolicy
// (networking.k8s.io/v1, every field) and ClusterNetworkPolicy
// (policy.networking.k8s.io/v1alpha2, every field of the standard and
// experimental channels). They mirror the API's shape so that a
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

// --- Node (v1), the subset node peers read -----------------------------------

struct NodeAddress {
  std::string type;  // InternalIP, ExternalIP, Hostname, ...
  std::string address;

  bool operator==(const NodeAddress&) const = default;
};

struct Node {
  ObjectMeta metadata;
  std::vector<NodeAddress> addresses;  // status.addresses

  bool operator==(const Node&) const = default;
};

// --- ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) ----------------
//
// Lists that the CRD bounds (MinItems) are optional here so that `[]` and
// an absent field stay apart, as the API server tells them apart.

// Pods picked by namespace AND pod labels; an absent namespaceSelector is
// the empty selector (every namespace).
struct NamespacedPod {
  LabelSelector namespace_selector;
  LabelSelector pod_selector;

  bool operator==(const NamespacedPod&) const = default;
};

// A peer sets exactly one field once valid. Ingress peers only read
// `namespaces` and `pods` (the others are not in their schema). A peer
// with none set (a newer CRD's field podwall does not know) fails closed.
struct ClusterNetworkPolicyPeer {
  std::optional<LabelSelector> namespaces;
  std::optional<NamespacedPod> pods;
  std::optional<LabelSelector> nodes;                    // Experimental.
  std::optional<std::vector<std::string>> networks;      // CIDRs.
  std::optional<std::vector<std::string>> domain_names;  // Experimental.

  bool operator==(const ClusterNetworkPolicyPeer&) const = default;
};

struct ClusterNetworkPolicyPortRange {
  int32_t start = 0;
  int32_t end = 0;

  bool operator==(const ClusterNetworkPolicyPortRange&) const = default;
};

// Exactly one of `number` and `range` once valid.
struct ClusterNetworkPolicyPort {
  std::optional<int32_t> number;
  std::optional<ClusterNetworkPolicyPortRange> range;

  bool operator==(const ClusterNetworkPolicyPort&) const = default;
};

// `tcp`, `udp` or `sctp`: destinationPort is required once valid.
struct ClusterNetworkPolicyProtocolPorts {
  std::optional<ClusterNetworkPolicyPort> destination_port;

  bool operator==(const ClusterNetworkPolicyProtocolPorts&) const = default;
};

// Exactly one field once valid.
struct ClusterNetworkPolicyProtocol {
  std::optional<ClusterNetworkPolicyProtocolPorts> tcp;
  std::optional<ClusterNetworkPolicyProtocolPorts> udp;
  std::optional<ClusterNetworkPolicyProtocolPorts> sctp;
  std::optional<std::string> destination_named_port;  // Experimental.

  bool operator==(const ClusterNetworkPolicyProtocol&) const = default;
};

struct ClusterNetworkPolicyRule {
  std::string name;    // Up to 100 characters, may be empty.
  std::string action;  // "Accept", "Deny" or "Pass" once valid.
  // `from` for ingress, `to` for egress: 1-25 peers once valid.
  std::optional<std::vector<ClusterNetworkPolicyPeer>> peers;
  // Absent: every protocol and port.
  std::optional<std::vector<ClusterNetworkPolicyProtocol>> protocols;

  bool operator==(const ClusterNetworkPolicyRule&) const = default;
};

// Exactly one field once valid.
struct ClusterNetworkPolicySubject {
  std::optional<LabelSelector> namespaces;
  std::optional<NamespacedPod> pods;

  bool operator==(const ClusterNetworkPolicySubject&) const = default;
};

struct ClusterNetworkPolicySpec {
  std::string tier;                 // "Admin" or "Baseline" once valid.
  std::optional<int32_t> priority;  // 0-1000, required.
  std::optional<ClusterNetworkPolicySubject> subject;  // Required.
  std::vector<ClusterNetworkPolicyRule> ingress;       // In order, up to 25.
  std::vector<ClusterNetworkPolicyRule> egress;

  bool operator==(const ClusterNetworkPolicySpec&) const = default;
};

struct ClusterNetworkPolicy {
  ObjectMeta metadata;  // Cluster-scoped: no namespace.
  ClusterNetworkPolicySpec spec;

  bool operator==(const ClusterNetworkPolicy&) const = default;
};

// Any object a manifest file may hold.
using Object =
    std::variant<Namespace, Pod, NetworkPolicy, ClusterNetworkPolicy, Node>;

// The kind as the API names it: "Namespace", "Pod", "NetworkPolicy",
// "ClusterNetworkPolicy" or "Node".
const char* KindName(const Object& object);

// The object's metadata, whatever its kind.
const ObjectMeta& MetadataOf(const Object& object);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_API_TYPES_H_
