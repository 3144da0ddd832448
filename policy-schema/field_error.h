#ifndef PODWALL_POLICY_SCHEMA_FIELD_ERROR_H_
#define PODWALL_POLICY_SCHEMA_FIELD_ERROR_H_

// Field paths and field errors in the style of the Kubernetes API server
// (k8s.io/apimachinery/pkg/util/validation/field), so that podwall reports
// `spec.ingress[0].ports[1].endPort: Invalid value: 20: must be ...` exactly
// where kubectl would.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace podwall::schema {

// One step of a path: a field name (or map key) or a list index.
using PathSegment = std::variant<std::string, std::size_t>;

// An immutable path to a field, e.g. spec.ingress[0].from[1].ipBlock.cidr.
// Cheap enough to build on the error path; hot decoding code passes a parent
// path and only extends it when it reports an error.
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string_view root) { Append(root); }

  FieldPath Child(std::string_view name) const;
  FieldPath Index(std::size_t index) const;
  // A map key, rendered as `[key]` like field.Path.Key.
  FieldPath Key(std::string_view key) const;

  const std::string& str() const { return text_; }
  const std::vector<PathSegment>& segments() const { return segments_; }
  bool empty() const { return segments_.empty(); }

 private:
  void Append(std::string_view name);

  std::string text_;
  std::vector<PathSegment> segments_;
};

enum class FieldErrorType {
  kInvalid,       // "Invalid value"
  kRequired,      // "Required value"
  kForbidden,     // "Forbidden"
  kNotSupported,  // "Unsupported value"
  kDuplicate,     // "Duplicate value"
  kTypeInvalid,   // "Invalid type" (decoding: wrong JSON/YAML type)
  kTooMany,       // "Too many" (a list or object over its maximum)
  kTooLong,       // "Too long" (a string over its maximum length)
};

struct FieldError {
  FieldErrorType type = FieldErrorType::kInvalid;
  FieldPath field;
  // The offending value, already rendered: strings quoted ("\"foo\""),
  // numbers bare. Empty for types that print no value.
  std::string value;
  std::string detail;

  // "<path>: <Type>[: <value>][: <detail>]" as the API server prints it.
  std::string ToString() const;
};

using FieldErrors = std::vector<FieldError>;

// Constructors mirroring field.Invalid, field.Required, ...
FieldError InvalidValue(FieldPath path, std::string_view value,
                        std::string_view detail);
FieldError InvalidValue(FieldPath path, int64_t value, std::string_view detail);
FieldError RequiredValue(FieldPath path, std::string_view detail = {});
FieldError Forbidden(FieldPath path, std::string_view detail);
FieldError NotSupported(FieldPath path, std::string_view value,
                        const std::vector<std::string_view>& supported);
FieldError DuplicateValue(FieldPath path, std::string_view value);
FieldError InvalidType(FieldPath path, std::string_view detail);
FieldError TooMany(FieldPath path, std::size_t actual, std::size_t max);
FieldError TooLong(FieldPath path, std::size_t max);

// Go's %q-style rendering of a string value: quotes and escapes.
std::string QuoteValue(std::string_view value);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_FIELD_ERROR_H_
