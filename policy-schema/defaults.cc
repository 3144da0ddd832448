#include "policy-schema/defaults.h"

namespace podwall::schema {
namespace {

void DefaultProtocols(std::vector<NetworkPolicyPort>& ports) {
  for (NetworkPolicyPort& port : ports) {
    if (!port.protocol) port.protocol = "TCP";
  }
}

}  // namespace

void ApplyDefaults(NetworkPolicy& policy) {
  NetworkPolicySpec& spec = policy.spec;
  for (auto& rule : spec.ingress) DefaultProtocols(rule.ports);
  for (auto& rule : spec.egress) DefaultProtocols(rule.ports);
  if (spec.policy_types.empty()) {
    spec.policy_types.push_back("Ingress");
    if (!spec.egress.empty()) spec.policy_types.push_back("Egress");
  }
}

void ApplyDefaults(Pod& pod) {
  for (Container& container : pod.spec.containers) {
    for (ContainerPort& port : container.ports) {
      if (!port.protocol) port.protocol = "TCP";
    }
  }
}

void ApplyDefaults(Namespace& ns) {
  // The API server always overwrites this label with the real name.
  if (!ns.metadata.name.empty()) {
    ns.metadata.labels[kNamespaceNameLabel] = ns.metadata.name;
  }
}

void ApplyDefaults(Object& object) {
  std::visit(
      [](auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, Pod> ||
                      std::is_same_v<T, NetworkPolicy>) {
          if (o.metadata.namespace_.empty()) {
            o.metadata.namespace_ = kDefaultNamespace;
          }
        }
        // ClusterNetworkPolicy's CRD and the Node fields podwall reads
        // have no defaults.
        if constexpr (!std::is_same_v<T, ClusterNetworkPolicy> &&
                      !std::is_same_v<T, Node>) {
          ApplyDefaults(o);
        }
      },
      object);
}

}  // namespace podwall::schema
