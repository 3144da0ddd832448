// DecodeJson and DecodeWatchEvent: simdjson's DOM through the shared
// ObjectDecoder. Source positions are found lazily with simdjson's
// on-demand API, only when an error must be reported.

#include <simdjson.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy-schema/decode.h"
#include "policy-schema/object_decoder.h"

namespace podwall::schema {
namespace {

using internal::NodeType;
namespace dom = simdjson::dom;

class JsonNode {
 public:
  JsonNode() = default;
  explicit JsonNode(dom::element e) : e_(e) {}

  NodeType type() const {
    switch (e_.type()) {
      case dom::element_type::ARRAY:
        return NodeType::kSeq;
      case dom::element_type::OBJECT:
        return NodeType::kMap;
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
        return NodeType::kInt;
      case dom::element_type::DOUBLE:
        return NodeType::kFloat;
      case dom::element_type::STRING:
        return NodeType::kString;
      case dom::element_type::BOOL:
        return NodeType::kBool;
      case dom::element_type::NULL_VALUE:
        return NodeType::kNull;
    }
    return NodeType::kNull;
  }
  std::string_view string() const {
    std::string_view s;
    if (e_.get_string().get(s) != simdjson::SUCCESS) return {};
    return s;
  }
  int64_t integer() const {
    int64_t v = 0;
    if (e_.get_int64().get(v) == simdjson::SUCCESS) return v;
    return INT64_MAX;  // A uint64 past int64: reported as out of range.
  }
  bool boolean() const {
    bool v = false;
    if (e_.get_bool().get(v) != simdjson::SUCCESS) return false;
    return v;
  }
  std::optional<JsonNode> Field(std::string_view key) const {
    dom::element child;
    if (e_[key].get(child) != simdjson::SUCCESS) return std::nullopt;
    return JsonNode(child);
  }
  template <typename F>
  void ForEachField(F f) const {
    dom::object obj;
    if (e_.get_object().get(obj) != simdjson::SUCCESS) return;
    for (dom::key_value_pair kv : obj) f(kv.key, JsonNode(kv.value));
  }
  template <typename F>
  void ForEachItem(F f) const {
    dom::array arr;
    if (e_.get_array().get(arr) != simdjson::SUCCESS) return;
    std::size_t i = 0;
    for (dom::element item : arr) f(i++, JsonNode(item));
  }

 private:
  dom::element e_;
};

// JSON pointer escaping (RFC 6901) for one reference token.
std::string EscapePointerToken(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// Finds positions by re-reading the document that holds the object.
class JsonFieldLocator : public FieldLocator {
 public:
  JsonFieldLocator(std::shared_ptr<const simdjson::padded_string> text,
                   std::string pointer)
      : text_(std::move(text)), pointer_(std::move(pointer)) {}

  SourcePosition Locate(const FieldPath& path) const override {
    std::vector<std::string> pointers = {pointer_};
    for (const PathSegment& seg : path.segments()) {
      std::string next = pointers.back() + "/";
      if (const auto* key = std::get_if<std::string>(&seg)) {
        next += EscapePointerToken(*key);
      } else {
        next += std::to_string(std::get<std::size_t>(seg));
      }
      pointers.push_back(std::move(next));
    }
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    if (parser.iterate(*text_).get(doc) != simdjson::SUCCESS) return {};
    // Deepest existing field first.
    for (auto it = pointers.rbegin(); it != pointers.rend(); ++it) {
      if (doc.rewind(); it->empty()) return Position(text_->data());
      simdjson::ondemand::value value;
      if (doc.at_pointer(*it).get(value) != simdjson::SUCCESS) continue;
      // The raw token points into the input at the value's first byte.
      return Position(value.raw_json_token().data());
    }
    return {};
  }

 private:
  SourcePosition Position(const char* where) const {
    SourcePosition pos{1, 1};
    for (const char* p = text_->data(); p < where; ++p) {
      if (*p == '\n') {
        ++pos.line;
        pos.column = 1;
      } else {
        ++pos.column;
      }
    }
    return pos;
  }

  std::shared_ptr<const simdjson::padded_string> text_;
  std::string pointer_;
};

absl::Status SyntaxError(std::string_view source, simdjson::error_code error) {
  return absl::InvalidArgumentError(
      absl::StrCat(absl::string_view(source.data(), source.size()),
                   ": invalid JSON: ", simdjson::error_message(error)));
}

}  // namespace

absl::StatusOr<DecodeResult> DecodeJson(std::string_view text,
                                        std::string_view source) {
  auto padded = std::make_shared<simdjson::padded_string>(text);
  dom::parser parser;
  dom::element root;
  if (auto error = parser.parse(*padded).get(root)) {
    return SyntaxError(source, error);
  }
  DecodeResult result;
  std::vector<internal::DecodedItem<JsonNode>> items;
  // JSON has no aliases; the budget only has to exceed any real document.
  internal::ObjectDecoder<JsonNode> decoder(SIZE_MAX);
  decoder.DecodeDocument(JsonNode(root), items, &result.list_resource_version,
                         &result.list_continue);
  std::vector<std::string> errors;
  result.objects.reserve(items.size());
  for (auto& item : items) {
    auto locator =
        std::make_shared<JsonFieldLocator>(padded, std::move(item.pointer));
    if (!item.errors.empty()) {
      errors.push_back(FormatFieldErrors(source, *locator, item.errors));
    } else if (!item.warning.empty()) {
      result.warnings.push_back(
          absl::StrCat(absl::string_view(source.data(), source.size()), ":",
                       locator->Locate(FieldPath()).line, ": ", item.warning));
    } else if (item.object) {
      result.objects.push_back({std::move(*item.object), std::move(locator)});
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  return result;
}

absl::StatusOr<WatchEvent> DecodeWatchEvent(std::string_view json) {
  auto padded = std::make_shared<simdjson::padded_string>(json);
  dom::parser parser;
  dom::element root;
  if (auto error = parser.parse(*padded).get(root)) {
    return SyntaxError("watch event", error);
  }
  WatchEvent event;
  std::string_view type;
  if (root["type"].get(type) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("watch event: missing string `type`");
  }
  event.type = std::string(type);
  dom::element object;
  if (root["object"].get(object) != simdjson::SUCCESS ||
      object.type() != dom::element_type::OBJECT) {
    return absl::InvalidArgumentError(
        absl::StrCat("watch event ", event.type, ": missing `object`"));
  }
  std::string_view rv;
  if (object.at_pointer("/metadata/resourceVersion").get(rv) ==
      simdjson::SUCCESS) {
    event.resource_version = std::string(rv);
  }
  if (event.type == "ERROR") {
    int64_t code = 0;
    std::string_view text;
    if (object["code"].get(code) == simdjson::SUCCESS) {
      event.status_code = static_cast<int>(code);
    }
    if (object["reason"].get(text) == simdjson::SUCCESS) {
      event.status_reason = std::string(text);
    }
    if (object["message"].get(text) == simdjson::SUCCESS) {
      event.status_message = std::string(text);
    }
    return event;
  }
  if (event.type == "BOOKMARK") return event;

  std::vector<internal::DecodedItem<JsonNode>> items;
  internal::ObjectDecoder<JsonNode> decoder(SIZE_MAX);
  decoder.DecodeItem(JsonNode(object), "", "/object", {}, items);
  auto& item = items.front();
  if (!item.errors.empty()) {
    JsonFieldLocator locator(padded, "/object");
    return absl::InvalidArgumentError(
        absl::StrCat("watch event ", event.type, ":\n",
                     FormatFieldErrors("watch event", locator, item.errors)));
  }
  event.object = std::move(item.object);
  return event;
}

}  // namespace podwall::schema
