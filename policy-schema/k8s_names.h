#ifndef PODWALL_POLICY_SCHEMA_K8S_NAMES_H_
#define PODWALL_POLICY_SCHEMA_K8S_NAMES_H_

// The string checks of k8s.io/apimachinery/pkg/util/validation: each returns
// the list of problems (empty when valid), worded as the API server words
// them, so callers can wrap every message in a FieldError.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace podwall::schema {

// RFC 1123 label: namespace names. At most 63 characters.
std::vector<std::string> IsDns1123Label(std::string_view value);
// RFC 1123 subdomain: most object names. At most 253 characters.
std::vector<std::string> IsDns1123Subdomain(std::string_view value);
// Label keys and selector keys: [prefix/]name.
std::vector<std::string> IsQualifiedName(std::string_view value);
// Label values: empty, or at most 63 alphanumerics with -_. inside.
std::vector<std::string> IsValidLabelValue(std::string_view value);
// IANA service names used as named ports (e.g. "http", "dns-tcp").
std::vector<std::string> IsValidPortName(std::string_view value);
// 1..65535 inclusive.
std::vector<std::string> IsValidPortNum(int64_t port);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_K8S_NAMES_H_
