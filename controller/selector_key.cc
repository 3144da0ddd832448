#include "controller/selector_key.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_join.h"

namespace podwall::controller {

std::string CanonicalSelector(const schema::LabelSelector& selector) {
  std::set<std::string> parts;
  for (const auto& [k, v] : selector.match_labels) parts.insert(k + "=" + v);
  for (const auto& e : selector.match_expressions) {
    std::vector<std::string> values(e.values.begin(), e.values.end());
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (e.op == "In") {
      parts.insert(e.key + " in (" + absl::StrJoin(values, ",") + ")");
    } else if (e.op == "NotIn") {
      parts.insert(e.key + " notin (" + absl::StrJoin(values, ",") + ")");
    } else if (e.op == "Exists") {
      parts.insert(e.key);
    } else {
      parts.insert("!" + e.key);
    }
  }
  if (parts.empty()) return "*";
  return absl::StrJoin(parts, ",");
}

}  // namespace podwall::controller
