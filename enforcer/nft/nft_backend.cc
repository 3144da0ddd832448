#include "enforcer/nft/nft_backend.h"

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
