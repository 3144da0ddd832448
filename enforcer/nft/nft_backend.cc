#include "enforcer/nft/nft_backend.h"

#include <algorithm>

#include "enforcer/nft/sync_plan.h"
#include "policy-schema/status_macros.h"

namespace podwall::nft {

absl::StatusOr<std::unique_ptr<NetlinkBackend>> NetlinkBackend::Create() {
  ASSIGN_OR_RETURN(std::unique_ptr<NetlinkSocket> socket,
                   NetlinkSocket::Create());
  return std::unique_ptr<NetlinkBackend>(new NetlinkBackend(std::move(socket)));
}

absl::Status NetlinkBackend::Replace(const Ruleset& ruleset) {
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  EncodeReplace(ruleset, batch);
  batch.End();
  last_batch_messages_ = batch.messages();
  applied_.reset();
  RETURN_IF_ERROR(socket_->Commit(batch));
  applied_ = ruleset;
  return absl::OkStatus();
}

absl::Status NetlinkBackend::Sync(const Ruleset& ruleset) {
  if (!applied_) return Replace(ruleset);
  const SyncPlan plan = PlanSync(*applied_, ruleset);
  last_sync_operations_ = plan.operations();
  if (plan.empty()) {
    last_batch_messages_ = 0;
    return absl::OkStatus();
  }
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  EncodeSync(plan, batch);
  batch.End();
  last_batch_messages_ = batch.messages();
  absl::Status st = socket_->Commit(batch);
  if (!st.ok()) {
    applied_.reset();  // Unknown: the next sync replaces everything.
    return st;
  }
  applied_ = ruleset;
  return absl::OkStatus();
}

absl::Status NetlinkBackend::SyncElements(
    const std::vector<ElementUpdate>& updates) {
  if (!applied_) {
    return absl::FailedPreconditionError("no ruleset synced yet");
  }
  for (const ElementUpdate& u : updates) {
    const Set* set = applied_->FindSet(u.set);
    if (!set || set->interval) {
      return absl::FailedPreconditionError("set " + u.set +
                                           " cannot take element updates");
    }
  }
  last_sync_operations_ = 0;
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  for (const ElementUpdate& u : updates) {
    const Set& set = *applied_->FindSet(u.set);
    EncodeSetElements(set, u.remove, /*remove=*/true, batch);
    EncodeSetElements(set, u.add, /*remove=*/false, batch);
    last_sync_operations_ += u.add.size() + u.remove.size();
  }
  batch.End();
  last_batch_messages_ = batch.messages();
  if (last_sync_operations_ == 0) {
    last_batch_messages_ = 0;
    return absl::OkStatus();
  }
  absl::Status st = socket_->Commit(batch);
  if (!st.ok()) {
    applied_.reset();
    return st;
  }
  // Keep the cache exact: it is what the next partial sync diffs against.
  for (const ElementUpdate& u : updates) {
    std::vector<SetElement>& elements = applied_->FindSet(u.set)->elements;
    for (const SetElement& e : u.remove) {
      auto it = std::lower_bound(elements.begin(), elements.end(), e);
      if (it != elements.end() && *it == e) elements.erase(it);
    }
    for (const SetElement& e : u.add) {
      auto it = std::lower_bound(elements.begin(), elements.end(), e);
      if (it == elements.end() || !(*it == e)) elements.insert(it, e);
    }
  }
  return absl::OkStatus();
}

absl::Status NetlinkBackend::DeleteTable() {
  applied_.reset();
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  EncodeDeleteTable(batch);
  batch.End();
  last_batch_messages_ = batch.messages();
  return socket_->Commit(batch);
}

}  // namespace podwall::nft
