#ifndef PODWALL_POLICY_SCHEMA_DECODE_H_
#define PODWALL_POLICY_SCHEMA_DECODE_H_

// Decoding manifest text (YAML or JSON) into API objects.
//
// Both decoders accept a single object, several YAML documents, and the List
// kinds (`kind: List` as kubectl prints it; PodList, NamespaceList and
// NetworkPolicyList as the API server returns them, whose items carry no
// kind). Unknown kinds are skipped with a warning; unknown fields are
// ignored; a known field of the wrong type is an error. Errors carry
// `source:line:` and the field path; decoding does not default or validate
// (see defaults.h, validation.h and manifest.h for the whole pipeline).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "policy-schema/api_types.h"
#include "policy-schema/field_error.h"

namespace podwall::schema {

// 1-based; 0 when unknown.
struct SourcePosition {
  int line = 0;
  int column = 0;
};

// Maps the field paths of one decoded object back to where they were
// written. Immutable and thread-compatible; it keeps the parsed document (or
// the text) alive, so hold it only while errors may still be reported.
class FieldLocator {
 public:
  virtual ~FieldLocator() = default;
  // Position of `path` (relative to the object), or of the nearest enclosing
  // field that exists in the source when `path` itself does not.
  virtual SourcePosition Locate(const FieldPath& path) const = 0;
};

struct DecodedObject {
  Object object;
  std::shared_ptr<const FieldLocator> locator;  // Never null.
};

struct DecodeResult {
  std::vector<DecodedObject> objects;
  std::vector<std::string> warnings;  // "source:line: skipping kind ...".
  // Set when the input was an API list (metadata.resourceVersion/continue).
  std::string list_resource_version;
  std::string list_continue;
};

// "source:line: path: message" for each error, joined by newlines.
std::string FormatFieldErrors(std::string_view source,
                              const FieldLocator& locator,
                              const FieldErrors& errors);

// YAML, one or more documents. Errors: InvalidArgument naming
// source:line:column for syntax errors, source:line: path for field errors.
absl::StatusOr<DecodeResult> DecodeYaml(std::string_view text,
                                        std::string_view source);

// JSON: one object or a list. Same error contract as DecodeYaml.
absl::StatusOr<DecodeResult> DecodeJson(std::string_view text,
                                        std::string_view source);

// Picks JSON when the first non-blank character is '{', YAML otherwise
// (YAML is a superset of JSON, but the JSON decoder is much faster). Text
// starting with '{' that is not JSON is read as YAML (a flow mapping); when
// neither reads, the JSON error is returned.
absl::StatusOr<DecodeResult> DecodeManifest(std::string_view text,
                                            std::string_view source);

// One line of a Kubernetes watch stream: {"type": ..., "object": ...}.
struct WatchEvent {
  std::string type;              // ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.
  std::optional<Object> object;  // For ADDED/MODIFIED/DELETED of our kinds.
  std::string resource_version;  // The object's (or the bookmark's).
  // For ERROR: the embedded metav1.Status.
  int status_code = 0;
  std::string status_reason;
  std::string status_message;
};

// Decodes one watch event. Objects of other kinds leave `object` unset.
absl::StatusOr<WatchEvent> DecodeWatchEvent(std::string_view json);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_DECODE_H_
