#ifndef PODWALL_ENFORCER_NFT_SYNC_PLAN_H_
#define PODWALL_ENFORCER_NFT_SYNC_PLAN_H_

// Partial sync: what must change in the kernel to go from the ruleset it
// holds (`applied`, podwall's element cache) to the desired one, and the
// batch that does it. A pod joining a set sends one element; a policy change
// rewrites only the chains whose rules changed; nothing is deleted and
// recreated, so counters on untouched rules keep counting.

#include <string>
#include <vector>

#include "enforcer/nft/netlink_batch.h"
#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

struct SetChange {
  const Set* set = nullptr;  // The desired set.
  // Interval sets are rewritten whole (flush + add) when they change;
  // hash sets and maps get element deltas.
  bool rewrite = false;
  std::vector<SetElement> add;
  std::vector<SetElement> remove;
};

struct SyncPlan {
  std::vector<const Set*> new_sets;          // Created with their elements.
  std::vector<SetChange> set_changes;        // Existing sets, maps included.
  std::vector<std::string> deleted_sets;     // Deleted last.
  std::vector<const Chain*> new_chains;      // Created with their rules.
  std::vector<const Chain*> changed_chains;  // Flushed and refilled.
  std::vector<std::string> deleted_chains;
  std::vector<const SpoofGuard*> new_guards;
  std::vector<const SpoofGuard*> changed_guards;  // Same device, new addresses.
  std::vector<std::string> deleted_guards;        // Devices.

  bool empty() const;
  // Objects and elements touched (a measure of the batch).
  std::size_t operations() const;
};

// `applied` and `desired` must outlive the plan (it points into `desired`).
SyncPlan PlanSync(const Ruleset& applied, const Ruleset& desired);

// Appends the plan's messages in an order the kernel accepts in one
// transaction: sets, elements, chains, rules, map entries, then deletions.
void EncodeSync(const SyncPlan& plan, NetlinkBatch& batch);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_SYNC_PLAN_H_
