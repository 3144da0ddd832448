#include "enforcer/nft/nft_backend.h"

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
  return socket_->Commit(batch);
}

absl::Status NetlinkBackend::DeleteTable() {
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  EncodeDeleteTable(batch);
  batch.End();
  last_batch_messages_ = batch.messages();
  return socket_->Commit(batch);
}

}  // namespace podwall::nft
