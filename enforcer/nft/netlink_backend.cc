#include "enforcer/nft/netlink_backend.h"

#include "enforcer/nft/messages.h"
#include "enforcer/nft/readback.h"
#include "policy-schema/status_macros.h"

namespace podwall::nft {

absl::StatusOr<std::unique_ptr<NetlinkBackend>> NetlinkBackend::Create() {
  ASSIGN_OR_RETURN(std::unique_ptr<NetlinkSocket> socket,
                   NetlinkSocket::Create());
  return std::unique_ptr<NetlinkBackend>(new NetlinkBackend(std::move(socket)));
}

absl::Status NetlinkBackend::Commit(const Transaction& tx) {
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  EncodeTransaction(tx, batch);
  batch.End();
  last_batch_messages_ = batch.messages();
  return socket_->Commit(batch);
}

absl::StatusOr<bool> NetlinkBackend::Holds(const Ruleset& ruleset) {
  return KernelHolds(*socket_, ruleset);
}

}  // namespace podwall::nft
