#ifndef PODWALL_POLICY_SCHEMA_DEFAULTS_H_
#define PODWALL_POLICY_SCHEMA_DEFAULTS_H_

// Defaulting as the API server applies it before validation, plus the one
// default podwall needs for files written by hand (an object without
// metadata.namespace lands in "default", as `kubectl apply` would put it).

#include "policy-schema/api_types.h"

namespace podwall::schema {

// Label the API server puts on every Namespace (and podwall adds when a
// manifest file omits it).
inline constexpr char kNamespaceNameLabel[] = "kubernetes.io/metadata.name";
inline constexpr char kDefaultNamespace[] = "default";

// Ports without protocol get "TCP". Without policyTypes a policy gets
// ["Ingress"], plus "Egress" when it has egress rules.
void ApplyDefaults(NetworkPolicy& policy);
// Container ports without protocol get "TCP".
void ApplyDefaults(Pod& pod);
// Sets kubernetes.io/metadata.name to the namespace's name.
void ApplyDefaults(Namespace& ns);
// Dispatches on the kind; also fills an empty metadata.namespace of
// namespaced kinds with "default".
void ApplyDefaults(Object& object);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_DEFAULTS_H_
