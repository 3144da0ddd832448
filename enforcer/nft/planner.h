#ifndef PODWALL_ENFORCER_NFT_PLANNER_H_
#define PODWALL_ENFORCER_NFT_PLANNER_H_

// The one planner: what must change in the kernel to go from the ruleset it
// holds (`applied`, podwall's cache of it) to the desired one, as pure
// functions with no kernel in sight.
//
//   PlanReplace  the tables deleted and rebuilt whole (start-up, recovery)
//   PlanSync     a whole desired ruleset, diffed against the cache
//   PlanPatch    only the objects a RulesetPatch names, diffed likewise
//
// A plan becomes a Transaction (ToTransaction) in an order the kernel
// accepts in one batch, and once that batch is committed ApplyToCache turns
// the cache into what the kernel now holds. A pod joining a set sends one
// element; a policy change rewrites only the chains whose rules changed;
// nothing is deleted and re-created, so counters on untouched rules keep
// counting.

#include <optional>
#include <string>
#include <vector>

#include "enforcer/nft/ruleset.h"
#include "enforcer/nft/transaction.h"

namespace podwall::nft {

struct SetChange {
  const Set* set = nullptr;  // The set as desired (its name and type).
  // Interval sets are rewritten whole (flush + add) when they change;
  // hash sets and maps get element deltas.
  bool rewrite = false;
  std::vector<SetElement> add;
  std::vector<SetElement> remove;
};

struct SyncPlan {
  // Delete podwall's tables, whatever they hold, and create everything
  // below in fresh ones.
  bool replace = false;
  // Set when the plan brings the kernel to a whole ruleset (PlanReplace,
  // PlanSync): the cache becomes that ruleset.
  const Ruleset* whole = nullptr;

  std::vector<const Set*> new_sets;          // Created with their elements.
  std::vector<SetChange> set_changes;        // Existing sets, maps included.
  std::vector<std::string> deleted_sets;     // Deleted last.
  std::vector<const Chain*> new_chains;      // Created with their rules.
  std::vector<const Chain*> changed_chains;  // Flushed and refilled.
  std::vector<std::string> deleted_chains;
  std::vector<const SpoofGuard*> new_guards;
  std::vector<const SpoofGuard*> changed_guards;  // Same device, new addresses.
  std::vector<std::string> deleted_guards;        // Devices.

  // Nothing to send (a replacement is never empty).
  bool empty() const;
  // Objects and elements touched (a measure of the batch).
  std::size_t operations() const;
};

// Plans point into their inputs: `applied`, `desired` and `patch` must
// outlive the plan and the transaction made from it.
SyncPlan PlanReplace(const Ruleset& desired);
SyncPlan PlanSync(const Ruleset& applied, const Ruleset& desired);
// nullopt when the patch cannot be planned against `applied` (a set it
// names changed type, or an element update names a set that is not a hash
// set the cache holds): the caller renders and syncs the whole ruleset.
std::optional<SyncPlan> PlanPatch(const Ruleset& applied,
                                  const RulesetPatch& patch);

// The plan's operations in an order the kernel accepts in one transaction:
// sets and their elements, chains and their rules, map entries once the
// chains they jump to exist, deletions once nothing refers to what goes,
// then the anti-spoofing guards.
Transaction ToTransaction(const SyncPlan& plan);

// What the kernel holds once `plan`, made against `applied`, is committed.
void ApplyToCache(const SyncPlan& plan, Ruleset& applied);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_PLANNER_H_
