#ifndef PODWALL_POLICY_SCHEMA_LABEL_SELECTOR_H_
#define PODWALL_POLICY_SCHEMA_LABEL_SELECTOR_H_

// metav1.LabelSelector and its matching semantics.

#include <map>
#include <string>
#include <vector>

namespace podwall::schema {

struct LabelSelectorRequirement {
  std::string key;
  // Raw operator as written; In, NotIn, Exists or DoesNotExist once valid.
  std::string op;
  std::vector<std::string> values;

  bool operator==(const LabelSelectorRequirement&) const = default;
};

// An empty selector (no labels, no expressions) matches everything.
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;

  bool operator==(const LabelSelector&) const = default;
  bool empty() const {
    return match_labels.empty() && match_expressions.empty();
  }
};

// True when `labels` satisfy every matchLabels entry and every expression.
// The selector must be valid (see validation.h); an unknown operator never
// matches.
bool Matches(const LabelSelector& selector,
             const std::map<std::string, std::string>& labels);

}  // namespace podwall::schema

#endif  // PODWALL_POLICY_SCHEMA_LABEL_SELECTOR_H_
