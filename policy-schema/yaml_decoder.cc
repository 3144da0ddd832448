// DecodeYaml: yaml-cpp documents through the shared ObjectDecoder.

#include <yaml-cpp/yaml.h>

#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy-schema/decode.h"
#include "policy-schema/object_decoder.h"

namespace podwall::schema {
namespace {

using internal::NodeType;

bool IsNullScalar(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool IsBoolScalar(const std::string& s, bool* value) {
  if (s == "true" || s == "True" || s == "TRUE") {
    *value = true;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    *value = false;
    return true;
  }
  return false;
}

// YAML 1.2 core-schema integers: decimal, 0o octal, 0x hex.
bool ParseIntScalar(const std::string& s, int64_t* value) {
  std::string_view t = s;
  bool negative = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    negative = t[0] == '-';
    t.remove_prefix(1);
  }
  int base = 10;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'o')) {
    base = t[1] == 'x' ? 16 : 8;
    t.remove_prefix(2);
  }
  if (t.empty()) return false;
  uint64_t magnitude = 0;
  auto [end, ec] =
      std::from_chars(t.data(), t.data() + t.size(), magnitude, base);
  if (end != t.data() + t.size()) return false;
  if (ec == std::errc::result_out_of_range ||
      magnitude > static_cast<uint64_t>(INT64_MAX)) {
    *value = negative ? INT64_MIN : INT64_MAX;  // Reported as out of range.
    return true;
  }
  if (ec != std::errc()) return false;
  *value = negative ? -static_cast<int64_t>(magnitude)
                    : static_cast<int64_t>(magnitude);
  return true;
}

bool IsFloatScalar(const std::string& s) {
  if (s == ".inf" || s == "-.inf" || s == "+.inf" || s == ".nan" ||
      s == ".Inf" || s == ".NaN" || s == ".INF" || s == ".NAN") {
    return true;
  }
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  bool digits = false;
  bool dot = false;
  bool exp = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      if (i + 1 < s.size() && (s[i + 1] == '-' || s[i + 1] == '+')) ++i;
      digits = false;
    } else {
      return false;
    }
  }
  return digits && (dot || exp);
}

class YamlNode {
 public:
  YamlNode() = default;
  explicit YamlNode(const YAML::Node& node) : node_(node) { Classify(); }

  NodeType type() const { return type_; }
  std::string_view string() const { return node_.Scalar(); }
  int64_t integer() const { return int_; }
  bool boolean() const { return bool_; }

  std::optional<YamlNode> Field(std::string_view key) const {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) {
        return YamlNode(it->second);
      }
    }
    return std::nullopt;
  }

  template <typename F>
  void ForEachField(F f) const {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      f(std::string_view(it->first.Scalar()), YamlNode(it->second));
    }
  }

  template <typename F>
  void ForEachItem(F f) const {
    std::size_t i = 0;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      f(i++, YamlNode(*it));
    }
  }

  const YAML::Node& raw() const { return node_; }

 private:
  void Classify() {
    switch (node_.Type()) {
      case YAML::NodeType::Map:
        type_ = NodeType::kMap;
        return;
      case YAML::NodeType::Sequence:
        type_ = NodeType::kSeq;
        return;
      case YAML::NodeType::Scalar:
        break;
      default:
        type_ = NodeType::kNull;
        return;
    }
    const std::string& tag = node_.Tag();
    const std::string& s = node_.Scalar();
    // "!" marks a quoted scalar: always a string, even "80" or "true".
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      type_ = NodeType::kString;
    } else if (tag == "tag:yaml.org,2002:int" && ParseIntScalar(s, &int_)) {
      type_ = NodeType::kInt;
    } else if (tag != "?") {
      type_ = NodeType::kString;
    } else if (IsNullScalar(s)) {
      type_ = NodeType::kNull;
    } else if (IsBoolScalar(s, &bool_)) {
      type_ = NodeType::kBool;
    } else if (ParseIntScalar(s, &int_)) {
      type_ = NodeType::kInt;
    } else if (IsFloatScalar(s)) {
      type_ = NodeType::kFloat;
    } else {
      type_ = NodeType::kString;
    }
  }

  YAML::Node node_;
  NodeType type_ = NodeType::kNull;
  int64_t int_ = 0;
  bool bool_ = false;
};

SourcePosition PositionOf(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

class YamlFieldLocator : public FieldLocator {
 public:
  explicit YamlFieldLocator(YAML::Node root) : root_(std::move(root)) {}

  SourcePosition Locate(const FieldPath& path) const override {
    // YAML::Node's operator= writes through to the document; rebinding a
    // handle takes reset().
    YAML::Node node;
    node.reset(root_);
    SourcePosition best = PositionOf(node.Mark());
    for (const PathSegment& seg : path.segments()) {
      std::optional<YAML::Node> next;
      YAML::Mark key_mark = YAML::Mark::null_mark();
      if (const auto* key = std::get_if<std::string>(&seg)) {
        if (!node.IsMap()) break;
        for (auto it = node.begin(); it != node.end(); ++it) {
          if (it->first.IsScalar() && it->first.Scalar() == *key) {
            next.emplace(it->second);
            key_mark = it->first.Mark();
            break;
          }
        }
      } else {
        const std::size_t index = std::get<std::size_t>(seg);
        if (!node.IsSequence() || index >= node.size()) break;
        std::size_t i = 0;
        for (auto it = node.begin(); it != node.end(); ++it, ++i) {
          if (i == index) {
            next.emplace(*it);
            break;
          }
        }
      }
      if (!next || !next->IsDefined()) break;
      // A key's own line reads best ("endPort: 5" rather than the value).
      best = PositionOf(key_mark.is_null() ? next->Mark() : key_mark);
      node.reset(*next);
    }
    return best;
  }

 private:
  YAML::Node root_;
};

}  // namespace

absl::StatusOr<DecodeResult> DecodeYaml(std::string_view text,
                                        std::string_view source) {
  const absl::string_view src(source.data(), source.size());
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        src, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  DecodeResult result;
  std::vector<std::string> errors;
  // Any sane manifest visits a few nodes per input byte; aliases are the
  // only way past this budget.
  internal::ObjectDecoder<YamlNode> decoder(16 * text.size() + 4096);
  for (const YAML::Node& doc : documents) {
    if (doc.IsNull()) continue;  // Empty document between separators.
    std::vector<internal::DecodedItem<YamlNode>> items;
    decoder.DecodeDocument(YamlNode(doc), items, &result.list_resource_version,
                           &result.list_continue);
    for (auto& item : items) {
      auto locator = std::make_shared<YamlFieldLocator>(item.root.raw());
      if (!item.errors.empty()) {
        errors.push_back(FormatFieldErrors(source, *locator, item.errors));
      } else if (!item.warning.empty()) {
        result.warnings.push_back(absl::StrCat(
            src, ":", locator->Locate(FieldPath()).line, ": ", item.warning));
      } else if (item.object) {
        result.objects.push_back({std::move(*item.object), locator});
      }
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  return result;
}

}  // namespace podwall::schema
