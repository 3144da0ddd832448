#include "policy-schema/label_selector.h"

#include <algorithm>

namespace podwall::schema {
namespace {

bool Contains(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

bool MatchesRequirement(const LabelSelectorRequirement& req,
                        const std::map<std::string, std::string>& labels) {
  auto it = labels.find(req.key);
  const bool present = it != labels.end();
  if (req.op == "In") return present && Contains(req.values, it->second);
  // NotIn also matches objects that lack the key, as in Kubernetes.
  if (req.op == "NotIn") return !present || !Contains(req.values, it->second);
  if (req.op == "Exists") return present;
  if (req.op == "DoesNotExist") return !present;
  return false;
}

}  // namespace

bool Matches(const LabelSelector& selector,
             const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector.match_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const auto& req : selector.match_expressions) {
    if (!MatchesRequirement(req, labels)) return false;
  }
  return true;
}

}  // namespace podwall::schema
