#ifndef PODWALL_POLICY_SCHEMA_VALIDATION_H_
#define PODWALL_POLICY_SCHEMA_VALIDATION_H_

// Validation equal to the Kubernetes API server's for NetworkPolicy
// (pkg/apis/networking/validation), label selectors and object metadata;
// equal to the CRD's schema and rules for ClusterNetworkPolicy
// (cluster_policy_validation.cc); plus the checks podwall needs on the Pod,
// Namespace and Node fields it reads.
// Run after ApplyDefaults(). Every function returns all problems found, each
// naming its field path; an empty list means valid.

#include "policy-schema/api_types.h"
#include "policy-schema/field_error.h"

namespace podwall::schema {

enum class NameRule { kDnsSubdomain, kDnsLabel };

// metadata: name (or its absence), namespace (required when `namespaced`,
// forbidden otherwise) and labels; appends to `errs`.
void ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameRule rule,
                        FieldErrors& errs);

FieldErrors ValidateLabels(const Labels& labels, const FieldPath& path);
FieldErrors ValidateLabelSelector(const LabelSelector& selector,
                                  const FieldPath& path);
FieldErrors ValidateNetworkPolicyPort(const NetworkPolicyPort& port,
                                      const FieldPath& path);
FieldErrors ValidateNetworkPolicyPeer(const NetworkPolicyPeer& peer,
                                      const FieldPath& path);
FieldErrors ValidateIPBlock(const IPBlock& block, const FieldPath& path);

FieldErrors ValidateNetworkPolicy(const NetworkPolicy& policy);
FieldErrors ValidatePod(const Pod& pod);
FieldErrors ValidateNamespace(const Namespace& ns);
FieldErrors ValidateClusterNetworkPolicy(const ClusterNetworkPolicy& policy);
FieldErrors ValidateNode(const Node& node);
FieldErrors ValidateObject(const Object& object);

// Valid fields podwall accepts but does not enforce as written, each with
// why: ClusterNetworkPolicy domainNames peers (podwall does not resolve
// names; such a peer matches no traffic). For warnings, not errors.
std::vector<std::pair<FieldPath, std::string>> UnenforcedFields(
    const Object& object);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_VALIDATION_H_
