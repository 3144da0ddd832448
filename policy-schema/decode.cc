#include "policy-schema/decode.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "policy-schema/object_decoder.h"

namespace podwall::schema {

namespace internal {

const char* NodeTypeName(NodeType type) {
  switch (type) {
    case NodeType::kNull:
      return "null";
    case NodeType::kBool:
      return "boolean";
    case NodeType::kInt:
      return "integer";
    case NodeType::kFloat:
      return "number";
    case NodeType::kString:
      return "string";
    case NodeType::kMap:
      return "object";
    case NodeType::kSeq:
      return "array";
  }
  return "value";
}

}  // namespace internal

std::string FormatFieldErrors(std::string_view source,
                              const FieldLocator& locator,
                              const FieldErrors& errors) {
  std::string out;
  for (const FieldError& error : errors) {
    if (!out.empty()) out += '\n';
    out.append(source);
    const SourcePosition pos = locator.Locate(error.field);
    if (pos.line > 0) absl::StrAppend(&out, ":", pos.line);
    absl::StrAppend(&out, ": ", error.ToString());
  }
  return out;
}

absl::StatusOr<DecodeResult> DecodeManifest(std::string_view text,
                                            std::string_view source) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c != '{') break;
    absl::StatusOr<DecodeResult> json = DecodeJson(text, source);
    // A YAML flow mapping also starts with '{' ({kind: Namespace, ...}):
    // when the text is not JSON, it may still be YAML.
    if (json.ok() ||
        !absl::StrContains(json.status().message(), ": invalid JSON: ")) {
      return json;
    }
    absl::StatusOr<DecodeResult> yaml = DecodeYaml(text, source);
    return yaml.ok() ? yaml : json;
  }
  return DecodeYaml(text, source);
}

}  // namespace podwall::schema
