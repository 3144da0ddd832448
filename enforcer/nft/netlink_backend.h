#ifndef PODWALL_ENFORCER_NFT_NETLINK_BACKEND_H_
#define PODWALL_ENFORCER_NFT_NETLINK_BACKEND_H_

// NetlinkBackend: the kernel behind NftBackend. A transaction becomes one
// netlink batch (messages.h) sent over NETLINK_NETFILTER (netlink_socket.h);
// read-back dumps podwall's tables (readback.h).

#include <memory>

#include "absl/status/statusor.h"
#include "enforcer/nft/netlink_socket.h"
#include "enforcer/nft/nft_backend.h"

namespace podwall::nft {

// The kernel, over one netfilter netlink socket in the caller's network
// namespace.
class NetlinkBackend : public NftBackend {
 public:
  // Fails without CAP_NET_ADMIN.
  static absl::StatusOr<std::unique_ptr<NetlinkBackend>> Create();

  absl::Status Commit(const Transaction& tx) override;
  absl::StatusOr<bool> Holds(const Ruleset& ruleset) override;

  // Netlink messages in the last batch sent (0 before any).
  std::size_t last_batch_messages() const { return last_batch_messages_; }

 private:
  explicit NetlinkBackend(std::unique_ptr<NetlinkSocket> socket)
      : socket_(std::move(socket)) {}

  std::unique_ptr<NetlinkSocket> socket_;
  std::size_t last_batch_messages_ = 0;
};

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_NETLINK_BACKEND_H_
