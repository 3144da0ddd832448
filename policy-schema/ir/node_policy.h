#ifndef PODWALL_POLICY_SCHEMA_IR_NODE_POLICY_H_
#define PODWALL_POLICY_SCHEMA_IR_NODE_POLICY_H_

// NodePolicy: the compiled IR the controller hands the enforcer. Everything
// one node must enforce, with peers factored into shared, de-duplicated sets:
//
//   endpoints  local pods, each with an ingress and an egress side listing
//              the rules that apply to it (plus ports resolved for it)
//   rules      one per (policy, direction, rule index), with a stable ID
//   pod_sets   addresses of the pods a (namespace scope, pod selector) picks
//   cidr_sets  ipBlocks of a rule with `except` subtracted, as disjoint ranges
//   port_sets  (address, protocol, port) tuples for egress named ports, which
//              resolve against each destination pod
//
// All collections are kept sorted by ID so that the same input always gives
// the same IR (and byte-identical JSON).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy-schema/ip_prefix.h"

namespace podwall::ir {

enum class Protocol : uint8_t { kTCP = 6, kUDP = 17, kSCTP = 132 };
enum class Direction : uint8_t { kIngress, kEgress };

const char* ProtocolName(Protocol p);  // "TCP", "UDP", "SCTP"
std::optional<Protocol> ParseProtocol(std::string_view name);
const char* DirectionName(Direction d);  // "ingress", "egress"

// An inclusive range of ports of one protocol.
struct PortRange {
  Protocol protocol = Protocol::kTCP;
  uint16_t first = 0;  // 0..65535 with last 65535 means every port.
  uint16_t last = 0;

  auto operator<=>(const PortRange&) const = default;
};

// An inclusive range of addresses of one family.
struct AddressRange {
  schema::IpAddress first;
  schema::IpAddress last;

  auto operator<=>(const AddressRange&) const = default;
};

struct AddressPortTuple {
  schema::IpAddress address;
  Protocol protocol = Protocol::kTCP;
  uint16_t port = 0;

  auto operator<=>(const AddressPortTuple&) const = default;
};

// What a matching rule does. NetworkPolicy rules allow; ClusterNetworkPolicy
// rules accept (this direction is allowed, lower tiers are not consulted),
// deny (dropped) or pass (the rest of the tier is skipped).
enum class Action : uint8_t { kAllow, kAccept, kDeny, kPass };

// ClusterNetworkPolicy tiers; NetworkPolicy sits between them.
enum class Tier : uint8_t { kNone, kAdmin, kBaseline };

const char* ActionName(Action a);  // "Allow", "Accept", "Deny", "Pass"
const char* TierName(Tier t);      // "", "Admin", "Baseline"

// Where a rule came from: maps a rule ID back for flow logs and explain.
struct RuleOrigin {
  std::string kind = "NetworkPolicy";  // Or "ClusterNetworkPolicy".
  std::string namespace_;              // Empty for ClusterNetworkPolicy.
  std::string name;
  Direction direction = Direction::kIngress;
  int index = 0;  // Position in spec.ingress or spec.egress.
  // ClusterNetworkPolicy only: its tier, priority and the rule's name.
  Tier tier = Tier::kNone;
  int priority = 0;
  std::string rule_name;

  bool operator==(const RuleOrigin&) const = default;
};

struct Rule {
  // "<kind>/<namespace>/<name>/<direction>/<index>" (the namespace empty for
  // ClusterNetworkPolicy), stable for as long as the policy keeps the rule
  // at that index.
  std::string id;
  RuleOrigin origin;
  Action action = Action::kAllow;
  // Peers: true when the rule has no from/to (every peer), or when a
  // ClusterNetworkPolicy Deny/Pass rule has a peer podwall cannot read
  // (fails closed). With no peer at all the rule matches nothing.
  bool any_peer = false;
  std::vector<std::string> pod_set_ids;  // Peer pods by selector.
  std::string cidr_set_id;               // Empty when no ipBlock peers.
  // Ports: true when the rule lists no ports (every protocol and port).
  bool any_port = false;
  std::vector<PortRange> ports;  // Numeric ports (named ones resolved below).
  // Named ports as written: (protocol, name). Ingress resolves them per
  // endpoint (EndpointRule::named_ports); egress through `port_set_id`.
  std::vector<std::pair<Protocol, std::string>> named_ports;
  std::string port_set_id;  // Egress with named ports: destination tuples.

  bool operator==(const Rule&) const = default;
};

// A rule as bound to one endpoint.
struct EndpointRule {
  std::string rule_id;
  // Ingress named ports resolved against this endpoint's container ports.
  std::vector<PortRange> named_ports;

  bool operator==(const EndpointRule&) const = default;
};

// One direction of an endpoint, evaluated in tiers: `admin` in order (first
// match decides; Pass skips to NetworkPolicy), then NetworkPolicy when
// `isolated` (only what `rules` allow passes, the rest is dropped), else
// `baseline` in order (Pass: allowed), else allowed.
struct EndpointSide {
  // True when some NetworkPolicy selects the endpoint for this direction.
  bool isolated = false;
  std::vector<std::string> policies;  // "namespace/name" of those policies.
  std::vector<EndpointRule> rules;
  // ClusterNetworkPolicy rules whose subject is the endpoint, in evaluation
  // order: priority, then policy name, then rule index.
  std::vector<EndpointRule> admin;
  std::vector<EndpointRule> baseline;

  bool operator==(const EndpointSide&) const = default;
  // Whether anything is enforced on this side (else it is open).
  bool enforced() const {
    return isolated || !admin.empty() || !baseline.empty();
  }
  // Whether `pred(rule_id)` holds for a rule bound in any tier.
  template <typename Pred>
  bool AnyBinding(Pred pred) const {
    for (const auto* tier : {&admin, &rules, &baseline}) {
      for (const EndpointRule& b : *tier) {
        if (pred(b.rule_id)) return true;
      }
    }
    return false;
  }
};

struct Endpoint {
  std::string id;  // "namespace/name".
  std::string namespace_;
  std::string name;
  std::vector<schema::IpAddress> addresses;  // Sorted; one or two families.
  // Host-side veths when known (set by the enforcer), sorted: one per
  // network the pod is attached to (a Docker container may have several).
  std::vector<std::string> interfaces;
  EndpointSide ingress;
  EndpointSide egress;

  bool operator==(const Endpoint&) const = default;
};

struct PodSet {
  std::string id;  // Canonical selector identity, e.g. "pods{ns=x;app=web}".
  std::vector<schema::IpAddress> addresses;  // Sorted, unique.

  bool operator==(const PodSet&) const = default;
};

struct CidrSet {
  std::string id;  // Canonical, e.g. "cidr{10.0.0.0/8-10.1.0.0/16}".
  std::vector<AddressRange> ranges;  // Sorted, disjoint, not adjacent.

  bool operator==(const CidrSet&) const = default;
};

struct PortSet {
  std::string id;
  std::vector<AddressPortTuple> tuples;  // Sorted, unique.

  bool operator==(const PortSet&) const = default;
};

struct NodePolicy {
  std::string node_name;
  std::vector<Endpoint> endpoints;  // Sorted by id.
  std::vector<Rule> rules;          // Sorted by id.
  std::vector<PodSet> pod_sets;     // Sorted by id.
  std::vector<CidrSet> cidr_sets;   // Sorted by id.
  std::vector<PortSet> port_sets;   // Sorted by id.

  bool operator==(const NodePolicy&) const = default;

  const Rule* FindRule(std::string_view id) const;
  const PodSet* FindPodSet(std::string_view id) const;
  const CidrSet* FindCidrSet(std::string_view id) const;
  const PortSet* FindPortSet(std::string_view id) const;
  const Endpoint* FindEndpointByAddress(const schema::IpAddress& ip) const;
};

// Element-level changes of one set since the last time the compiler reported.
template <typename T>
struct ElementDelta {
  std::set<T> added;
  std::set<T> removed;
};

// What changed in the IR since the last time the compiler reported: the
// enforcer's to-do list for a partial sync. IDs name objects in the current IR;
// one that is no longer there was deleted.
struct NodePolicyDelta {
  std::set<std::string> endpoints;
  std::set<std::string> rules;
  std::set<std::string> pod_sets_created;
  std::set<std::string> pod_sets_deleted;
  std::map<std::string, ElementDelta<schema::IpAddress>> pod_set_elements;
  std::set<std::string> cidr_sets_created;
  std::set<std::string> cidr_sets_deleted;
  std::set<std::string> port_sets_created;
  std::set<std::string> port_sets_deleted;
  std::map<std::string, ElementDelta<ir::AddressPortTuple>> port_set_elements;

  bool empty() const;
  // Number of objects and elements touched: a measure of sync size.
  std::size_t size() const;
};

// Read access to an IR by ID. The compiler implements it over its live
// state, so the enforcer can render what a delta touches without taking a
// snapshot of the whole IR.
class NodePolicyView {
 public:
  virtual ~NodePolicyView() = default;
  virtual const Endpoint* FindEndpoint(const std::string& id) const = 0;
  virtual const Rule* FindRule(const std::string& id) const = 0;
  // Sets are returned by value (they are built on demand); nullopt when
  // the ID is unknown.
  virtual std::optional<PodSet> GetPodSet(const std::string& id) const = 0;
  virtual std::optional<CidrSet> GetCidrSet(const std::string& id) const = 0;
  virtual std::optional<PortSet> GetPortSet(const std::string& id) const = 0;
  // Every endpoint, sorted by ID.
  virtual std::vector<const Endpoint*> Endpoints() const = 0;
};

// Deterministic JSON (see policy-schema/schemas/nodepolicy.schema.json).
std::string ToJson(const NodePolicy& policy);

}  // namespace podwall::ir

#endif  // PODWALL_POLICY_SCHEMA_IR_NODE_POLICY_H_
