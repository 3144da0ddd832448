#include "policy-schema/validation.h"

#include <set>

#include "policy-schema/ip_prefix.h"
#include "policy-schema/k8s_names.h"

namespace podwall::schema {
namespace {

const std::vector<std::string_view> kProtocols = {"SCTP", "TCP", "UDP"};
const std::vector<std::string_view> kPolicyTypes = {"Ingress", "Egress"};

bool IsSupportedProtocol(const std::string& p) {
  return p == "TCP" || p == "UDP" || p == "SCTP";
}

void Append(FieldErrors& to, FieldErrors from) {
  for (FieldError& e : from) to.push_back(std::move(e));
}

void ValidateLabelName(const std::string& key, const FieldPath& path,
                       FieldErrors& errs) {
  for (const std::string& msg : IsQualifiedName(key)) {
    errs.push_back(InvalidValue(path, key, msg));
  }
}

}  // namespace

void ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameRule rule,
                        FieldErrors& errs) {
  const FieldPath metadata("metadata");
  if (meta.name.empty()) {
    errs.push_back(RequiredValue(
        metadata.Child("name"),
        meta.generate_name.empty()
            ? "name or generateName is required"
            : "name is required (generateName cannot be resolved outside "
              "the API server)"));
  } else {
    const auto msgs = rule == NameRule::kDnsLabel
                          ? IsDns1123Label(meta.name)
                          : IsDns1123Subdomain(meta.name);
    for (const std::string& msg : msgs) {
      errs.push_back(InvalidValue(metadata.Child("name"), meta.name, msg));
    }
  }
  if (namespaced) {
    if (meta.namespace_.empty()) {
      errs.push_back(RequiredValue(metadata.Child("namespace")));
    } else {
      for (const std::string& msg : IsDns1123Label(meta.namespace_)) {
        errs.push_back(
            InvalidValue(metadata.Child("namespace"), meta.namespace_, msg));
      }
    }
  } else if (!meta.namespace_.empty()) {
    errs.push_back(
        Forbidden(metadata.Child("namespace"), "not allowed on this type"));
  }
  Append(errs, ValidateLabels(meta.labels, metadata.Child("labels")));
}

namespace {

void ValidateContainerPorts(const std::vector<ContainerPort>& ports,
                            const FieldPath& path, FieldErrors& errs) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const ContainerPort& port = ports[i];
    const FieldPath idx = path.Index(i);
    if (!port.name.empty()) {
      const auto msgs = IsValidPortName(port.name);
      for (const std::string& msg : msgs) {
        errs.push_back(InvalidValue(idx.Child("name"), port.name, msg));
      }
      if (msgs.empty() && !names.insert(port.name).second) {
        errs.push_back(DuplicateValue(idx.Child("name"), port.name));
      }
    }
    if (port.container_port == 0) {
      errs.push_back(RequiredValue(idx.Child("containerPort")));
    } else {
      for (const std::string& msg : IsValidPortNum(port.container_port)) {
        errs.push_back(
            InvalidValue(idx.Child("containerPort"), port.container_port, msg));
      }
    }
    if (!port.protocol || port.protocol->empty()) {
      errs.push_back(RequiredValue(idx.Child("protocol")));
    } else if (!IsSupportedProtocol(*port.protocol)) {
      errs.push_back(
          NotSupported(idx.Child("protocol"), *port.protocol, kProtocols));
    }
  }
}

void ValidatePodIps(const PodStatus& status, FieldErrors& errs) {
  const FieldPath path("status");
  if (!status.pod_ip.empty() && !IpAddress::Parse(status.pod_ip)) {
    errs.push_back(InvalidValue(path.Child("podIP"), status.pod_ip,
                                "must be a valid IP address"));
  }
  std::set<IpFamily> families;
  for (std::size_t i = 0; i < status.pod_ips.size(); ++i) {
    const std::string& ip = status.pod_ips[i];
    const FieldPath ip_path = path.Child("podIPs").Index(i).Child("ip");
    std::optional<IpAddress> parsed = IpAddress::Parse(ip);
    if (!parsed) {
      errs.push_back(InvalidValue(ip_path, ip, "must be a valid IP address"));
      continue;
    }
    if (!families.insert(parsed->family).second) {
      errs.push_back(InvalidValue(
          ip_path, ip, "may specify no more than one IP for each IP family"));
    }
  }
  if (!status.pod_ip.empty() && !status.pod_ips.empty() &&
      status.pod_ips.front() != status.pod_ip) {
    errs.push_back(InvalidValue(path.Child("podIPs").Index(0).Child("ip"),
                                status.pod_ips.front(),
                                "must be the same as status.podIP"));
  }
}

}  // namespace

FieldErrors ValidateLabels(const Labels& labels, const FieldPath& path) {
  FieldErrors errs;
  for (const auto& [key, value] : labels) {
    ValidateLabelName(key, path, errs);
    for (const std::string& msg : IsValidLabelValue(value)) {
      errs.push_back(InvalidValue(path, value, msg));
    }
  }
  return errs;
}

FieldErrors ValidateLabelSelector(const LabelSelector& selector,
                                  const FieldPath& path) {
  FieldErrors errs =
      ValidateLabels(selector.match_labels, path.Child("matchLabels"));
  for (std::size_t i = 0; i < selector.match_expressions.size(); ++i) {
    const LabelSelectorRequirement& req = selector.match_expressions[i];
    const FieldPath req_path = path.Child("matchExpressions").Index(i);
    if (req.op == "In" || req.op == "NotIn") {
      if (req.values.empty()) {
        errs.push_back(RequiredValue(
            req_path.Child("values"),
            "must be specified when `operator` is 'In' or 'NotIn'"));
      }
    } else if (req.op == "Exists" || req.op == "DoesNotExist") {
      if (!req.values.empty()) {
        errs.push_back(
            Forbidden(req_path.Child("values"),
                      "may not be specified when `operator` is 'Exists' or "
                      "'DoesNotExist'"));
      }
    } else {
      errs.push_back(InvalidValue(req_path.Child("operator"), req.op,
                                  "not a valid selector operator"));
    }
    ValidateLabelName(req.key, req_path.Child("key"), errs);
    for (std::size_t v = 0; v < req.values.size(); ++v) {
      for (const std::string& msg : IsValidLabelValue(req.values[v])) {
        errs.push_back(InvalidValue(req_path.Child("values").Index(v),
                                    req.values[v], msg));
      }
    }
  }
  return errs;
}

FieldErrors ValidateNetworkPolicyPort(const NetworkPolicyPort& port,
                                      const FieldPath& path) {
  FieldErrors errs;
  if (port.protocol && !IsSupportedProtocol(*port.protocol)) {
    errs.push_back(
        NotSupported(path.Child("protocol"), *port.protocol, kProtocols));
  }
  if (port.port) {
    if (!port.port->is_name) {
      for (const std::string& msg : IsValidPortNum(port.port->number)) {
        errs.push_back(
            InvalidValue(path.Child("port"), port.port->number, msg));
      }
      if (port.end_port) {
        if (*port.end_port < port.port->number) {
          errs.push_back(InvalidValue(path.Child("endPort"), *port.end_port,
                                      "must be greater than or equal to port"));
        }
        for (const std::string& msg : IsValidPortNum(*port.end_port)) {
          errs.push_back(
              InvalidValue(path.Child("endPort"), *port.end_port, msg));
        }
      }
    } else {
      if (port.end_port) {
        errs.push_back(InvalidValue(path.Child("endPort"), *port.end_port,
                                    "may not be specified when `port` is "
                                    "non-numeric"));
      }
      for (const std::string& msg : IsValidPortName(port.port->name)) {
        errs.push_back(InvalidValue(path.Child("port"), port.port->name, msg));
      }
    }
  } else if (port.end_port) {
    errs.push_back(InvalidValue(path.Child("endPort"), *port.end_port,
                                "may not be specified when `port` is not "
                                "specified"));
  }
  return errs;
}

FieldErrors ValidateIPBlock(const IPBlock& block, const FieldPath& path) {
  FieldErrors errs;
  if (block.cidr.empty()) {
    errs.push_back(RequiredValue(path.Child("cidr")));
    return errs;
  }
  std::optional<IpPrefix> cidr = IpPrefix::Parse(block.cidr);
  if (!cidr) {
    errs.push_back(InvalidValue(path.Child("cidr"), block.cidr,
                                "must be a valid CIDR value, (e.g. "
                                "10.9.8.0/24 or 2001:db8::/64)"));
    return errs;
  }
  for (std::size_t i = 0; i < block.except.size(); ++i) {
    const std::string& text = block.except[i];
    const FieldPath except_path = path.Child("except").Index(i);
    std::optional<IpPrefix> except = IpPrefix::Parse(text);
    if (!except) {
      errs.push_back(InvalidValue(except_path, text,
                                  "must be a valid CIDR value, (e.g. "
                                  "10.9.8.0/24 or 2001:db8::/64)"));
      continue;
    }
    if (!cidr->Contains(except->address) || cidr->length >= except->length) {
      errs.push_back(
          InvalidValue(except_path, text, "must be a strict subset of `cidr`"));
    }
  }
  return errs;
}

FieldErrors ValidateNetworkPolicyPeer(const NetworkPolicyPeer& peer,
                                      const FieldPath& path) {
  FieldErrors errs;
  int peers = 0;
  if (peer.pod_selector) {
    ++peers;
    Append(errs, ValidateLabelSelector(*peer.pod_selector,
                                       path.Child("podSelector")));
  }
  if (peer.namespace_selector) {
    ++peers;
    Append(errs, ValidateLabelSelector(*peer.namespace_selector,
                                       path.Child("namespaceSelector")));
  }
  if (peer.ip_block) {
    ++peers;
    Append(errs, ValidateIPBlock(*peer.ip_block, path.Child("ipBlock")));
  }
  if (peers == 0) {
    errs.push_back(RequiredValue(path, "must specify a peer"));
  } else if (peers > 1 && peer.ip_block) {
    errs.push_back(
        Forbidden(path, "may not specify both ipBlock and another peer"));
  }
  return errs;
}

FieldErrors ValidateNetworkPolicy(const NetworkPolicy& policy) {
  FieldErrors errs;
  ValidateObjectMeta(policy.metadata, /*namespaced=*/true,
                     NameRule::kDnsSubdomain, errs);
  const NetworkPolicySpec& spec = policy.spec;
  const FieldPath spec_path("spec");
  Append(errs, ValidateLabelSelector(spec.pod_selector,
                                     spec_path.Child("podSelector")));
  for (std::size_t i = 0; i < spec.ingress.size(); ++i) {
    const FieldPath rule = spec_path.Child("ingress").Index(i);
    for (std::size_t p = 0; p < spec.ingress[i].ports.size(); ++p) {
      Append(errs, ValidateNetworkPolicyPort(spec.ingress[i].ports[p],
                                             rule.Child("ports").Index(p)));
    }
    for (std::size_t p = 0; p < spec.ingress[i].from.size(); ++p) {
      Append(errs, ValidateNetworkPolicyPeer(spec.ingress[i].from[p],
                                             rule.Child("from").Index(p)));
    }
  }
  for (std::size_t i = 0; i < spec.egress.size(); ++i) {
    const FieldPath rule = spec_path.Child("egress").Index(i);
    for (std::size_t p = 0; p < spec.egress[i].ports.size(); ++p) {
      Append(errs, ValidateNetworkPolicyPort(spec.egress[i].ports[p],
                                             rule.Child("ports").Index(p)));
    }
    for (std::size_t p = 0; p < spec.egress[i].to.size(); ++p) {
      Append(errs, ValidateNetworkPolicyPeer(spec.egress[i].to[p],
                                             rule.Child("to").Index(p)));
    }
  }
  const FieldPath types = spec_path.Child("policyTypes");
  if (spec.policy_types.size() > kPolicyTypes.size()) {
    errs.push_back(InvalidValue(types, std::string_view("[...]"),
                                "may not specify more than two policyTypes"));
    return errs;
  }
  for (std::size_t i = 0; i < spec.policy_types.size(); ++i) {
    const std::string& t = spec.policy_types[i];
    if (t != "Ingress" && t != "Egress") {
      errs.push_back(NotSupported(types.Index(i), t, kPolicyTypes));
    }
  }
  return errs;
}

FieldErrors ValidatePod(const Pod& pod) {
  FieldErrors errs;
  ValidateObjectMeta(pod.metadata, /*namespaced=*/true, NameRule::kDnsSubdomain,
                     errs);
  const FieldPath containers = FieldPath("spec").Child("containers");
  for (std::size_t i = 0; i < pod.spec.containers.size(); ++i) {
    ValidateContainerPorts(pod.spec.containers[i].ports,
                           containers.Index(i).Child("ports"), errs);
  }
  ValidatePodIps(pod.status, errs);
  return errs;
}

FieldErrors ValidateNamespace(const Namespace& ns) {
  FieldErrors errs;
  ValidateObjectMeta(ns.metadata, /*namespaced=*/false, NameRule::kDnsLabel,
                     errs);
  return errs;
}

FieldErrors ValidateObject(const Object& object) {
  struct Visitor {
    FieldErrors operator()(const Namespace& o) const {
      return ValidateNamespace(o);
    }
    FieldErrors operator()(const Pod& o) const { return ValidatePod(o); }
    FieldErrors operator()(const NetworkPolicy& o) const {
      return ValidateNetworkPolicy(o);
    }
    FieldErrors operator()(const ClusterNetworkPolicy& o) const {
      return ValidateClusterNetworkPolicy(o);
    }
    FieldErrors operator()(const Node& o) const { return ValidateNode(o); }
  };
  return std::visit(Visitor{}, object);
}

}  // namespace podwall::schema
