#include "enforcer/nft/ruleset_mirror.h"

#include "policy-schema/status_macros.h"

namespace podwall::nft {

absl::Status RulesetMirror::Sync(const Ruleset& desired) {
  if (known()) return Commit(PlanSync(*applied_, desired));
  last_adopted_ = false;
  absl::StatusOr<bool> holds = backend_.Holds(desired);
  if (holds.ok() && *holds) {
    applied_ = desired;
    last_size_ = 0;
    last_adopted_ = true;
    return absl::OkStatus();
  }
  return Replace(desired);
}

absl::Status RulesetMirror::Replace(const Ruleset& desired) {
  return Commit(PlanReplace(desired));
}

absl::Status RulesetMirror::Commit(const SyncPlan& plan) {
  last_adopted_ = false;
  if (!plan.whole && !known()) {
    return absl::FailedPreconditionError(
        "a partial plan needs the kernel's tables known");
  }
  if (plan.empty()) {
    last_size_ = 0;
    return absl::OkStatus();
  }
  const Transaction tx = ToTransaction(plan);
  last_size_ = tx.size();
  if (absl::Status st = backend_.Commit(tx); !st.ok()) {
    applied_.reset();  // Unknown: the next write reads the kernel back.
    return st;
  }
  if (!applied_) applied_.emplace();
  ApplyToCache(plan, *applied_);
  return absl::OkStatus();
}

absl::StatusOr<bool> RulesetMirror::RepairDrift() {
  if (!known()) return absl::FailedPreconditionError("nothing applied yet");
  ASSIGN_OR_RETURN(bool holds, backend_.Holds(*applied_));
  if (holds) return false;
  const Ruleset desired = *applied_;
  RETURN_IF_ERROR(Replace(desired));
  return true;
}

absl::Status RulesetMirror::DeleteTables() {
  applied_.reset();
  const Transaction tx = DeleteTablesTransaction();
  last_size_ = tx.size();
  return backend_.Commit(tx);
}

RulesetMirror::Counts RulesetMirror::counts() const {
  Counts c;
  if (!applied_) return c;
  c.chains = applied_->chains.size();
  for (const Chain& chain : applied_->chains) c.rules += chain.rules.size();
  c.sets = applied_->sets.size();
  for (const Set& s : applied_->sets) c.elements += s.elements.size();
  c.guards = applied_->guards.size();
  return c;
}

}  // namespace podwall::nft
