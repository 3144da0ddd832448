#ifndef PODWALL_POLICY_SCHEMA_JSON_FIELDS_H_
#define PODWALL_POLICY_SCHEMA_JSON_FIELDS_H_

// Lenient field reads from a simdjson DOM object, for JSON that podwall
// consumes but does not validate field by field (podwalld's status, flow
// records, the Docker Engine's and a CNI runtime's JSON): a field that is
// absent, null or of another type reads as empty, 0 or false.

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace podwall::schema {

inline std::string JsonString(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v)) return "";
  return std::string(v);
}

inline uint64_t JsonUint(simdjson::dom::element e, std::string_view key) {
  uint64_t v = 0;
  if (e[key].get_uint64().get(v)) return 0;
  return v;
}

inline bool JsonBool(simdjson::dom::element e, std::string_view key) {
  bool v = false;
  if (e[key].get_bool().get(v)) return false;
  return v;
}

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_JSON_FIELDS_H_
