#ifndef PODWALL_ENFORCER_SYNC_RULE_NUMBERS_H_
#define PODWALL_ENFORCER_SYNC_RULE_NUMBERS_H_

// RuleNumbers: the connection-mark numbers of the node's rules, for flow
// logs. The renderer marks every connection a rule allows with the rule's
// number (nft::FlowLogOptions); the flow logger maps a conntrack event's
// mark back to the rule.
//
// A rule holds a number while it is in the node's IR and releases it when it
// goes; released numbers are reused. A number is the rule ID's hash (probed
// on collision, the search bounded by the capacity), so a restarted daemon
// renders the same marks and adopts its table unchanged. While every number
// is held, further rules stay unnumbered (nft::kUnnumberedRule: their
// connections are logged without the rule's name) and take a number as soon
// as one is released. A released number still names its old rule until it
// is reused, for conntrack events that arrive after the rule went.
//
// Not thread-safe; the sync loop owns it.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "enforcer/nft/renderer.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::sync {

class RuleNumbers : public nft::RuleNumberLookup {
 public:
  // Numbers 1..capacity (at most 65534; 65535 is nft::kUnnumberedRule).
  static constexpr uint16_t kMaxCapacity = 65534;
  explicit RuleNumbers(uint16_t capacity = kMaxCapacity);

  // Follows a compiler delta: each rule it names that `view` still holds
  // gets a number (if it has none), each one it no longer holds releases
  // its number.
  void Update(const ir::NodePolicyDelta& delta, const ir::NodePolicyView& view);
  // Makes the numbered rules exactly those of `policy` (a whole render).
  void Reconcile(const ir::NodePolicy& policy);

  // Gives `rule` a number unless it has one; nullopt when none is free.
  std::optional<uint16_t> Acquire(const ir::Rule& rule);
  // Frees the rule's number (or forgets it as unnumbered).
  void Release(const std::string& rule_id);

  std::optional<uint16_t> NumberOf(const std::string& rule_id) const override;
  // The rule a number stands for (held, or released and not reused yet).
  std::optional<ir::RuleOrigin> Find(uint16_t number) const;

  // Rules that were unnumbered and got a number since the last call: their
  // chains must be rendered again.
  std::set<std::string> TakeNewlyNumbered();

  std::size_t held() const { return numbers_.size(); }
  std::size_t unnumbered() const { return unnumbered_.size(); }
  uint16_t capacity() const { return capacity_; }

 private:
  struct Slot {
    std::string rule_id;
    ir::RuleOrigin origin;
  };
  std::optional<uint16_t> Assign(const std::string& rule_id,
                                 const ir::RuleOrigin& origin);

  const uint16_t capacity_;
  // Index: number; what the probe looks at (8 KiB, where a Slot per
  // number would take 9 MB).
  std::vector<bool> held_;
  std::map<uint16_t, Slot> slots_;           // Numbers ever given.
  std::map<std::string, uint16_t> numbers_;  // Held, by rule ID.
  std::map<std::string, ir::RuleOrigin> unnumbered_;
  std::set<std::string> newly_numbered_;
};

}  // namespace podwall::sync

#endif  // PODWALL_ENFORCER_SYNC_RULE_NUMBERS_H_
