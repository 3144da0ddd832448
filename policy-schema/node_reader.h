#ifndef PODWALL_POLICY_SCHEMA_NODE_READER_H_
#define PODWALL_POLICY_SCHEMA_NODE_READER_H_

// Internal to the decoders: reads scalars, lists, maps, object metadata and
// label selectors out of a document node (a YAML node or a JSON element
// behind the adapter described in object_decoder.h), collecting every
// error with its field path. The kind decoders (object_decoder.h,
// cluster_policy_decoder.h) build on it.
//
// Unknown fields are ignored; a known field of the wrong type is an error
// ("Invalid type"), as with the API server's strict decoding. Reading goes
// on after an error so that one pass reports every problem.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy-schema/api_types.h"
#include "policy-schema/field_error.h"

namespace podwall::schema::internal {

enum class NodeType { kNull, kBool, kInt, kFloat, kString, kMap, kSeq };

const char* NodeTypeName(NodeType type);

template <typename Node>
class NodeReader {
 public:
  // `node_budget` bounds how many nodes one document may make the reader
  // visit, so that YAML aliases cannot blow a small file up.
  explicit NodeReader(std::size_t node_budget) : budget_(node_budget) {}

  // Errors found since the last TakeErrors().
  FieldErrors TakeErrors() {
    FieldErrors errs = std::move(errors_);
    errors_.clear();
    return errs;
  }

  static std::string ExpectedGot(std::string_view expected, const Node& n) {
    std::string s = "expected ";
    s.append(expected);
    s += ", got ";
    s += NodeTypeName(n.type());
    return s;
  }

  // Counts a visited node; false once the budget is spent (reported once).
  bool Visit(const FieldPath& path) {
    if (budget_ > 0) {
      --budget_;
      return true;
    }
    if (!budget_exceeded_) {
      budget_exceeded_ = true;
      errors_.push_back(
          InvalidValue(path, std::string_view("..."),
                       "document expands to too many nodes (YAML aliases?)"));
    }
    return false;
  }

  void Fail(const FieldPath& path, std::string_view expected, const Node& n) {
    errors_.push_back(InvalidType(path, ExpectedGot(expected, n)));
  }

  // --- scalars and containers -----------------------------------------------

  // Iterates a map node; null counts as empty. False on a type error.
  template <typename F>
  bool Fields(const Node& n, const FieldPath& path, F f) {
    if (!Visit(path)) return false;
    if (n.type() == NodeType::kNull) return true;
    if (n.type() != NodeType::kMap) {
      Fail(path, "object", n);
      return false;
    }
    n.ForEachField(f);
    return true;
  }

  template <typename F>
  void Items(const Node& n, const FieldPath& path, F f) {
    if (!Visit(path)) return;
    if (n.type() == NodeType::kNull) return;
    if (n.type() != NodeType::kSeq) {
      Fail(path, "array", n);
      return;
    }
    n.ForEachItem([&](std::size_t i, const Node& item) {
      if (Visit(path)) f(i, item);
    });
  }

  void String(const Node& n, const FieldPath& path, std::string& out) {
    if (n.type() == NodeType::kNull) return;
    if (n.type() != NodeType::kString) return Fail(path, "string", n);
    out.assign(n.string());
  }

  void OptString(const Node& n, const FieldPath& path,
                 std::optional<std::string>& out) {
    if (n.type() == NodeType::kNull) {
      out.reset();
      return;
    }
    out.emplace();
    String(n, path, *out);
  }

  void Int32(const Node& n, const FieldPath& path, int32_t& out) {
    if (n.type() == NodeType::kNull) return;
    if (n.type() != NodeType::kInt) return Fail(path, "integer", n);
    const int64_t v = n.integer();
    if (v < std::numeric_limits<int32_t>::min() ||
        v > std::numeric_limits<int32_t>::max()) {
      errors_.push_back(InvalidValue(path, v, "out of range for int32"));
      return;
    }
    out = static_cast<int32_t>(v);
  }

  void Bool(const Node& n, const FieldPath& path, bool& out) {
    if (n.type() == NodeType::kNull) return;
    if (n.type() != NodeType::kBool) return Fail(path, "boolean", n);
    out = n.boolean();
  }

  void StringMap(const Node& n, const FieldPath& path, Labels& out) {
    out.clear();
    Fields(n, path, [&](std::string_view key, const Node& v) {
      std::string& value = out[std::string(key)];
      String(v, path.Key(key), value);
    });
  }

  void StringList(const Node& n, const FieldPath& path,
                  std::vector<std::string>& out) {
    out.clear();
    Items(n, path, [&](std::size_t i, const Node& v) {
      String(v, path.Index(i), out.emplace_back());
    });
  }

  // --- metadata and selectors -----------------------------------------------

  void Meta(const Node& n, const FieldPath& path, ObjectMeta& meta) {
    Fields(n, path, [&](std::string_view key, const Node& v) {
      if (key == "name") {
        String(v, path.Child(key), meta.name);
      } else if (key == "generateName") {
        String(v, path.Child(key), meta.generate_name);
      } else if (key == "namespace") {
        String(v, path.Child(key), meta.namespace_);
      } else if (key == "uid") {
        String(v, path.Child(key), meta.uid);
      } else if (key == "resourceVersion") {
        String(v, path.Child(key), meta.resource_version);
      } else if (key == "creationTimestamp") {
        // Read only to tell which of two pods is newer: a value that is not
        // a string (or null, as kubectl writes for new objects) is ignored.
        if (v.type() == NodeType::kString) {
          meta.creation_timestamp.assign(v.string());
        }
      } else if (key == "labels") {
        StringMap(v, path.Child(key), meta.labels);
      }
    });
  }

  void Selector(const Node& n, const FieldPath& path, LabelSelector& sel) {
    Fields(n, path, [&](std::string_view key, const Node& v) {
      if (key == "matchLabels") {
        StringMap(v, path.Child(key), sel.match_labels);
      } else if (key == "matchExpressions") {
        const FieldPath list = path.Child(key);
        sel.match_expressions.clear();
        Items(v, list, [&](std::size_t i, const Node& e) {
          LabelSelectorRequirement& req = sel.match_expressions.emplace_back();
          const FieldPath at = list.Index(i);
          Fields(e, at, [&](std::string_view k, const Node& x) {
            if (k == "key") {
              String(x, at.Child(k), req.key);
            } else if (k == "operator") {
              String(x, at.Child(k), req.op);
            } else if (k == "values") {
              StringList(x, at.Child(k), req.values);
            }
          });
        });
      }
    });
  }

  void OptSelector(const Node& n, const FieldPath& path,
                   std::optional<LabelSelector>& out) {
    if (n.type() == NodeType::kNull) {
      out.reset();
      return;
    }
    Selector(n, path, out.emplace());
  }

 private:
  std::size_t budget_;
  bool budget_exceeded_ = false;
  FieldErrors errors_;
};

}  // namespace podwall::schema::internal

#endif  // PODWALL_POLICY_SCHEMA_NODE_READER_H_
