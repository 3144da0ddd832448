// DecodeYaml: yaml-cpp documents through the shared ObjectDecoder.

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <sstream>

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

// `first_line` is the 0-based line of the document within its file.
SourcePosition PositionOf(const YAML::Mark& mark, int first_line) {
  if (mark.is_null()) return {};
  return {first_line + mark.line + 1, mark.column + 1};
}

class YamlFieldLocator : public FieldLocator {
 public:
  YamlFieldLocator(YAML::Node root, int first_line)
      : root_(std::move(root)), first_line_(first_line) {}

  SourcePosition Locate(const FieldPath& path) const override {
    // YAML::Node's operator= writes through to the document; rebinding a
    // handle takes reset().
    YAML::Node node;
    node.reset(root_);
    SourcePosition best = PositionOf(node.Mark(), first_line_);
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
      best =
          PositionOf(key_mark.is_null() ? next->Mark() : key_mark, first_line_);
      node.reset(*next);
    }
    return best;
  }

 private:
  YAML::Node root_;
  int first_line_;
};

// Receives parser events and ignores them; used to count documents.
class IgnoreEvents : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

struct YamlChunk {
  std::string text;
  int first_line = 0;  // 0-based line of the chunk in the file.
};

// Splits a stream at document markers ("---" alone or followed by a blank at
// the start of a line). The YAML spec forbids such a line inside any scalar,
// so the split is exact. yaml-cpp 0.7's LoadAll loops forever, allocating,
// on input such as "{}," (yaml-cpp issue #1040, fixed upstream after 0.8);
// parsing one document at a time with a bounded loop avoids it.
std::vector<YamlChunk> SplitDocuments(std::string_view text) {
  std::vector<YamlChunk> chunks(1);
  int line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    const bool marker = l.starts_with("---") && (l.size() == 3 || l[3] == ' ' ||
                                                 l[3] == '\t' || l[3] == '\r');
    if (marker && !chunks.back().text.empty()) {
      chunks.push_back({"", line});
    }
    chunks.back().text.append(text.substr(pos, end - pos + 1));
    ++line;
    pos = end + 1;
  }
  return chunks;
}

// Parses one chunk into its document. Fails on a syntax error, or when the
// chunk holds more than one document (trailing content yaml-cpp would
// otherwise drop without a word).
absl::StatusOr<YAML::Node> LoadChunk(const YamlChunk& chunk,
                                     absl::string_view source) {
  try {
    std::istringstream events_in(chunk.text);
    YAML::Parser parser(events_in);
    IgnoreEvents ignore;
    if (parser.HandleNextDocument(ignore) &&
        parser.HandleNextDocument(ignore)) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", chunk.first_line + 1,
                       ": unexpected content after the end of the document"));
    }
    return YAML::Load(chunk.text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", chunk.first_line + e.mark.line + 1, ":",
                     e.mark.column + 1, ": ", e.msg));
  }
}

}  // namespace

absl::StatusOr<DecodeResult> DecodeYaml(std::string_view text,
                                        std::string_view source) {
  const absl::string_view src(source.data(), source.size());
  DecodeResult result;
  std::vector<std::string> errors;
  // Any sane manifest visits a few nodes per input byte; aliases are the
  // only way past this budget.
  internal::ObjectDecoder<YamlNode> decoder(16 * text.size() + 4096);
  for (const YamlChunk& chunk : SplitDocuments(text)) {
    absl::StatusOr<YAML::Node> doc = LoadChunk(chunk, src);
    if (!doc.ok()) return doc.status();
    if (doc->IsNull()) continue;  // Empty document between separators.
    std::vector<internal::DecodedItem<YamlNode>> items;
    decoder.DecodeDocument(YamlNode(*doc), items, &result.list_resource_version,
                           &result.list_continue);
    for (auto& item : items) {
      auto locator =
          std::make_shared<YamlFieldLocator>(item.root.raw(), chunk.first_line);
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
