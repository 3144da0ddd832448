// ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) validated as the
// API server validates it against the CRD's schema (experimental channel,
// which holds the standard one): required fields, enums, bounds, list sizes,
// one-of objects (minProperties/maxProperties 1), set lists and the CEL
// rules. Label selectors get the checks the API server gives NetworkPolicy's
// (the CRD alone would not): a selector podwall cannot evaluate is refused
// rather than read as matching nothing.
//
// Messages follow the API server's for schema violations, e.g.
// `spec.priority: Invalid value: 1001: spec.priority in body should be less
// than or equal to 1000`.

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "policy-schema/ip_prefix.h"
#include "policy-schema/validation.h"

namespace podwall::schema {
namespace {

constexpr std::size_t kMaxRules = 25;
constexpr std::size_t kMaxItems = 25;
constexpr std::size_t kMaxRuleName = 100;
constexpr std::size_t kMaxCidrLength = 43;
constexpr char kDomainPattern[] =
    "^(\\*\\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\\.)+"
    "[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\\.?$";

void Append(FieldErrors& to, FieldErrors from) {
  for (FieldError& e : from) to.push_back(std::move(e));
}

std::string InBody(const FieldPath& path, const std::string& what) {
  return path.str() + " in body " + what;
}

void CheckRange(int64_t value, int64_t min, int64_t max, const FieldPath& path,
                FieldErrors& errs) {
  if (value < min) {
    errs.push_back(InvalidValue(
        path, value,
        InBody(path,
               absl::StrCat("should be greater than or equal to ", min))));
  } else if (value > max) {
    errs.push_back(InvalidValue(
        path, value,
        InBody(path, absl::StrCat("should be less than or equal to ", max))));
  }
}

// minItems 1 / maxItems `max` of a list the CRD bounds.
void CheckItems(std::size_t size, std::size_t max, const FieldPath& path,
                FieldErrors& errs) {
  if (size == 0) {
    errs.push_back(InvalidValue(path, int64_t{0},
                                InBody(path, "should have at least 1 items")));
  } else if (size > max) {
    errs.push_back(TooMany(path, size, max));
  }
}

// minProperties 1 / maxProperties 1: exactly one field of a one-of object.
void CheckOneOf(int set, const FieldPath& path, FieldErrors& errs) {
  if (set == 0) {
    errs.push_back(InvalidValue(
        path, int64_t{0}, InBody(path, "should have at least 1 properties")));
  } else if (set > 1) {
    errs.push_back(TooMany(path, static_cast<std::size_t>(set), 1));
  }
}

// x-kubernetes-list-type: set.
void CheckUnique(const std::vector<std::string>& values, const FieldPath& path,
                 FieldErrors& errs) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!seen.insert(values[i]).second) {
      errs.push_back(DuplicateValue(path.Index(i), values[i]));
    }
  }
}

bool IsLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

// The DomainName pattern, matched by hand: std::regex recurses per
// character and a long hostile string would exhaust the stack.
bool IsDomainName(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.ends_with('.')) name.remove_suffix(1);
  int labels = 0;
  while (true) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty() || !IsLabelChar(label.front()) ||
        !IsLabelChar(label.back())) {
      return false;
    }
    for (char c : label) {
      if (!IsLabelChar(c) && c != '-' && c != '_') return false;
    }
    ++labels;
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  return labels >= 2;
}

void ValidateSelector(const LabelSelector& selector, const FieldPath& path,
                      FieldErrors& errs) {
  Append(errs, ValidateLabelSelector(selector, path));
}

void ValidatePods(const NamespacedPod& pods, const FieldPath& path,
                  FieldErrors& errs) {
  ValidateSelector(pods.namespace_selector, path.Child("namespaceSelector"),
                   errs);
  ValidateSelector(pods.pod_selector, path.Child("podSelector"), errs);
}

void ValidateNetworks(const std::vector<std::string>& networks,
                      const FieldPath& path, FieldErrors& errs) {
  CheckItems(networks.size(), kMaxItems, path, errs);
  for (std::size_t i = 0; i < networks.size(); ++i) {
    const std::string& cidr = networks[i];
    if (cidr.size() > kMaxCidrLength) {
      errs.push_back(TooLong(path.Index(i), kMaxCidrLength));
    } else if (!IpPrefix::Parse(cidr)) {
      errs.push_back(
          InvalidValue(path.Index(i), cidr, "Invalid CIDR format provided"));
    }
  }
  CheckUnique(networks, path, errs);
}

void ValidateDomainNames(const std::vector<std::string>& names,
                         const FieldPath& path, FieldErrors& errs) {
  CheckItems(names.size(), kMaxItems, path, errs);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!IsDomainName(names[i])) {
      errs.push_back(InvalidValue(
          path.Index(i), names[i],
          InBody(path.Index(i),
                 absl::StrCat("should match '", kDomainPattern, "'"))));
    }
  }
  CheckUnique(names, path, errs);
}

// Returns whether the peer names something without named ports (networks,
// nodes, domainNames).
bool ValidatePeer(const ClusterNetworkPolicyPeer& peer, const FieldPath& path,
                  FieldErrors& errs) {
  const int set = peer.namespaces.has_value() + peer.pods.has_value() +
                  peer.nodes.has_value() + peer.networks.has_value() +
                  peer.domain_names.has_value();
  CheckOneOf(set, path, errs);
  if (peer.namespaces) {
    ValidateSelector(*peer.namespaces, path.Child("namespaces"), errs);
  }
  if (peer.pods) ValidatePods(*peer.pods, path.Child("pods"), errs);
  if (peer.nodes) ValidateSelector(*peer.nodes, path.Child("nodes"), errs);
  if (peer.networks) {
    ValidateNetworks(*peer.networks, path.Child("networks"), errs);
  }
  if (peer.domain_names) {
    ValidateDomainNames(*peer.domain_names, path.Child("domainNames"), errs);
  }
  return peer.nodes || peer.networks || peer.domain_names;
}

void ValidatePort(const ClusterNetworkPolicyPort& port, const FieldPath& path,
                  FieldErrors& errs) {
  CheckOneOf(port.number.has_value() + port.range.has_value(), path, errs);
  if (port.number)
    CheckRange(*port.number, 1, 65535, path.Child("number"), errs);
  if (port.range) {
    const FieldPath range = path.Child("range");
    CheckRange(port.range->start, 1, 65535, range.Child("start"), errs);
    CheckRange(port.range->end, 1, 65535, range.Child("end"), errs);
    if (port.range->start >= port.range->end) {
      errs.push_back(InvalidValue(range, std::string_view("object"),
                                  "Start port must be less than End port"));
    }
  }
}

// Returns whether the protocol is a destinationNamedPort.
bool ValidateProtocol(const ClusterNetworkPolicyProtocol& protocol,
                      const FieldPath& path, FieldErrors& errs) {
  const int set = protocol.tcp.has_value() + protocol.udp.has_value() +
                  protocol.sctp.has_value() +
                  protocol.destination_named_port.has_value();
  CheckOneOf(set, path, errs);
  for (const auto& [key, ports] : {std::pair{"tcp", &protocol.tcp},
                                   {"udp", &protocol.udp},
                                   {"sctp", &protocol.sctp}}) {
    if (!*ports) continue;
    const FieldPath at = path.Child(key);
    if (!(*ports)->destination_port) {
      CheckOneOf(0, at, errs);  // minProperties 1
    } else {
      ValidatePort(*(*ports)->destination_port, at.Child("destinationPort"),
                   errs);
    }
  }
  return protocol.destination_named_port.has_value();
}

void ValidateRule(const ClusterNetworkPolicyRule& rule, const FieldPath& path,
                  bool ingress, FieldErrors& errs) {
  if (rule.name.size() > kMaxRuleName) {
    errs.push_back(TooLong(path.Child("name"), kMaxRuleName));
  }
  static const std::vector<std::string_view> kActions = {"Accept", "Deny",
                                                         "Pass"};
  if (rule.action.empty()) {
    errs.push_back(RequiredValue(path.Child("action")));
  } else if (rule.action != "Accept" && rule.action != "Deny" &&
             rule.action != "Pass") {
    errs.push_back(NotSupported(path.Child("action"), rule.action, kActions));
  }
  const FieldPath peers_path = path.Child(ingress ? "from" : "to");
  bool unnamed_peer = false;
  if (!rule.peers) {
    errs.push_back(RequiredValue(peers_path));
  } else {
    CheckItems(rule.peers->size(), kMaxItems, peers_path, errs);
    for (std::size_t i = 0; i < rule.peers->size(); ++i) {
      unnamed_peer |= ValidatePeer((*rule.peers)[i], peers_path.Index(i), errs);
    }
  }
  bool named_port = false;
  if (rule.protocols) {
    const FieldPath protocols = path.Child("protocols");
    CheckItems(rule.protocols->size(), kMaxItems, protocols, errs);
    for (std::size_t i = 0; i < rule.protocols->size(); ++i) {
      named_port |=
          ValidateProtocol((*rule.protocols)[i], protocols.Index(i), errs);
    }
  }
  if (unnamed_peer && named_port) {
    errs.push_back(InvalidValue(
        path, std::string_view("object"),
        "networks/nodes/domainNames peer cannot be set with namedPorts since "
        "there are no namedPorts for networks/nodes/domainNames"));
  }
}

}  // namespace

FieldErrors ValidateClusterNetworkPolicy(const ClusterNetworkPolicy& policy) {
  FieldErrors errs;
  ValidateObjectMeta(policy.metadata, /*namespaced=*/false,
                     NameRule::kDnsSubdomain, errs);
  const ClusterNetworkPolicySpec& spec = policy.spec;
  const FieldPath spec_path("spec");
  static const std::vector<std::string_view> kTiers = {"Admin", "Baseline"};
  if (spec.tier.empty()) {
    errs.push_back(RequiredValue(spec_path.Child("tier")));
  } else if (spec.tier != "Admin" && spec.tier != "Baseline") {
    errs.push_back(NotSupported(spec_path.Child("tier"), spec.tier, kTiers));
  }
  if (!spec.priority) {
    errs.push_back(RequiredValue(spec_path.Child("priority")));
  } else {
    CheckRange(*spec.priority, 0, 1000, spec_path.Child("priority"), errs);
  }
  const FieldPath subject = spec_path.Child("subject");
  if (!spec.subject) {
    errs.push_back(RequiredValue(subject));
  } else {
    CheckOneOf(
        spec.subject->namespaces.has_value() + spec.subject->pods.has_value(),
        subject, errs);
    if (spec.subject->namespaces) {
      ValidateSelector(*spec.subject->namespaces, subject.Child("namespaces"),
                       errs);
    }
    if (spec.subject->pods) {
      ValidatePods(*spec.subject->pods, subject.Child("pods"), errs);
    }
  }
  for (const bool ingress : {true, false}) {
    const auto& rules = ingress ? spec.ingress : spec.egress;
    const FieldPath path = spec_path.Child(ingress ? "ingress" : "egress");
    if (rules.size() > kMaxRules) {
      errs.push_back(TooMany(path, rules.size(), kMaxRules));
    }
    for (std::size_t i = 0; i < rules.size(); ++i) {
      ValidateRule(rules[i], path.Index(i), ingress, errs);
    }
  }
  return errs;
}

std::vector<std::pair<FieldPath, std::string>> UnenforcedFields(
    const Object& object) {
  std::vector<std::pair<FieldPath, std::string>> out;
  const auto* cnp = std::get_if<ClusterNetworkPolicy>(&object);
  if (!cnp) return out;
  for (std::size_t i = 0; i < cnp->spec.egress.size(); ++i) {
    const auto& peers = cnp->spec.egress[i].peers;
    if (!peers) continue;
    for (std::size_t p = 0; p < peers->size(); ++p) {
      if (!(*peers)[p].domain_names) continue;
      out.emplace_back(
          FieldPath("spec").Child("egress").Index(i).Child("to").Index(p).Child(
              "domainNames"),
          "podwall does not resolve domain names: this peer "
          "matches no traffic (an allowlist of names denies "
          "instead of allowing)");
    }
  }
  return out;
}

FieldErrors ValidateNode(const Node& node) {
  FieldErrors errs;
  ValidateObjectMeta(node.metadata, /*namespaced=*/false,
                     NameRule::kDnsSubdomain, errs);
  const FieldPath addresses = FieldPath("status").Child("addresses");
  for (std::size_t i = 0; i < node.addresses.size(); ++i) {
    const NodeAddress& a = node.addresses[i];
    if ((a.type == "InternalIP" || a.type == "ExternalIP") &&
        !IpAddress::Parse(a.address)) {
      errs.push_back(InvalidValue(addresses.Index(i).Child("address"),
                                  a.address, "must be a valid IP address"));
    }
  }
  return errs;
}

}  // namespace podwall::schema
