#include "enforcer/sync/rule_numbers.h"

#include <algorithm>
#include <utility>

#include "enforcer/nft/naming.h"

namespace podwall::sync {

RuleNumbers::RuleNumbers(uint16_t capacity)
    : capacity_(std::clamp<uint16_t>(capacity, 1, kMaxCapacity)),
      held_(capacity_ + 1, false) {}

std::optional<uint16_t> RuleNumbers::Assign(const std::string& rule_id,
                                            const ir::RuleOrigin& origin) {
  if (numbers_.size() >= capacity_) return std::nullopt;
  // The hash's slot among 65535 (as numbers were before 65535 was
  // reserved), then the next free one: at most `capacity_` probes, and one
  // is free.
  uint32_t n = 1 + nft::StableHash(rule_id) % 65535;
  if (n > capacity_) n = 1;
  while (held_[n]) n = n == capacity_ ? 1 : n + 1;
  held_[n] = true;
  slots_[static_cast<uint16_t>(n)] = Slot{rule_id, origin};
  numbers_[rule_id] = static_cast<uint16_t>(n);
  return static_cast<uint16_t>(n);
}

std::optional<uint16_t> RuleNumbers::Acquire(const ir::Rule& rule) {
  if (auto it = numbers_.find(rule.id); it != numbers_.end()) {
    return it->second;
  }
  std::optional<uint16_t> n = Assign(rule.id, rule.origin);
  if (n) {
    unnumbered_.erase(rule.id);
  } else {
    unnumbered_[rule.id] = rule.origin;
  }
  return n;
}

void RuleNumbers::Release(const std::string& rule_id) {
  unnumbered_.erase(rule_id);
  newly_numbered_.erase(rule_id);
  auto it = numbers_.find(rule_id);
  if (it == numbers_.end()) return;
  held_[it->second] = false;  // Its slot still names the rule until reused.
  numbers_.erase(it);
  // A freed number goes to a rule waiting for one (the first by ID, so the
  // outcome does not depend on the order of events).
  if (!unnumbered_.empty()) {
    auto waiting = unnumbered_.begin();
    if (Assign(waiting->first, waiting->second)) {
      newly_numbered_.insert(waiting->first);
      unnumbered_.erase(waiting);
    }
  }
}

void RuleNumbers::Update(const ir::NodePolicyDelta& delta,
                         const ir::NodePolicyView& view) {
  // Releases first, so the rules this delta adds can take their numbers.
  for (const std::string& id : delta.rules) {
    if (!view.FindRule(id)) Release(id);
  }
  for (const std::string& id : delta.rules) {
    if (const ir::Rule* rule = view.FindRule(id)) Acquire(*rule);
  }
}

void RuleNumbers::Reconcile(const ir::NodePolicy& policy) {
  std::set<std::string> keep;
  for (const ir::Rule& r : policy.rules) keep.insert(r.id);
  std::vector<std::string> gone;
  for (const auto& [id, n] : numbers_) {
    if (!keep.contains(id)) gone.push_back(id);
  }
  for (const auto& [id, origin] : unnumbered_) {
    if (!keep.contains(id)) gone.push_back(id);
  }
  for (const std::string& id : gone) Release(id);
  for (const ir::Rule& r : policy.rules) Acquire(r);
}

std::optional<uint16_t> RuleNumbers::NumberOf(
    const std::string& rule_id) const {
  auto it = numbers_.find(rule_id);
  if (it == numbers_.end()) return std::nullopt;
  return it->second;
}

std::optional<ir::RuleOrigin> RuleNumbers::Find(uint16_t number) const {
  auto it = slots_.find(number);
  if (it == slots_.end()) return std::nullopt;
  return it->second.origin;
}

std::set<std::string> RuleNumbers::TakeNewlyNumbered() {
  return std::exchange(newly_numbered_, {});
}

}  // namespace podwall::sync
