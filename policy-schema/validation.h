#ifndef PODWALL_POLICY_SCHEMA_VALIDATION_H_
#define PODWALL_POLICY_SCHEMA_VALIDATION_H_

// Validation equal to the Kubernetes API server's for NetworkPolicy
// (pkg/apis/networking/validation), label selectors and object metadata,
// plus the checks podwall needs on the Pod and Namespace fields it reads.
// Run after ApplyDefaults(). Every function returns all problems found, each
// naming its field path; an empty list means valid.

#include "policy-schema/api_types.h"
#include "policy-schema/field_error.h"

namespace podwall::schema {

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
FieldErrors ValidateObject(const Object& object);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_VALIDATION_H_
