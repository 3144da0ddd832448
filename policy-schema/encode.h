#ifndef PODWALL_POLICY_SCHEMA_ENCODE_H_
#define PODWALL_POLICY_SCHEMA_ENCODE_H_

// API objects back to the JSON the Kubernetes API server would send, with
// kind and apiVersion. DecodeJson(EncodeJson(o)) == o for every object.

#include <string>

#include "policy-schema/api_types.h"
#include "policy-schema/json_writer.h"

namespace podwall::schema {

std::string EncodeJson(const Object& object);

// Writes the object's fields into an already-open JSON object; with
// `type_meta` false, kind and apiVersion are left out (as in list items).
void WriteObjectFields(JsonWriter& w, const Object& object, bool type_meta);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_ENCODE_H_
