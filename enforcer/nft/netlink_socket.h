#ifndef PODWALL_ENFORCER_NFT_NETLINK_SOCKET_H_
#define PODWALL_ENFORCER_NFT_NETLINK_SOCKET_H_

// Sends nf_tables batches over NETLINK_NETFILTER (libmnl) and drains every
// acknowledgement. Extended acks are on, so a kernel error comes back with
// the message that caused it (mapped to its operation through the batch)
// and the kernel's own explanation when it gives one.

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enforcer/netlink/handles.h"
#include "enforcer/nft/netlink_batch.h"

namespace podwall::nft {

class NetlinkSocket {
 public:
  // Opens and binds a netfilter netlink socket in the caller's network
  // namespace. Fails (Internal, with errno) without CAP_NET_ADMIN.
  static absl::StatusOr<std::unique_ptr<NetlinkSocket>> Create();

  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;

  // Sends the batch and waits for every ack. All or nothing: on error the
  // kernel has applied none of it. The status names the failing operation
  // and errno, e.g. "add rule 3 to chain in_x/a: No such file or directory
  // (set pods_0_v4 not found)".
  // Only the acks of this batch count: acks an earlier commit left unread
  // (it returned early: ENOBUFS, a timeout) are dropped.
  absl::Status Commit(const NetlinkBatch& batch);

  // For tests: sends the batch and leaves its acks unread, as a commit
  // that returned early would.
  absl::Status SendWithoutAcks(const NetlinkBatch& batch);

  // A sequence number for the next batch.
  uint32_t NextSeq();

  // Sends one dump request (`type` with NLM_F_DUMP, payload written by
  // `build`) and calls `each` for every message of the answer. NotFound when
  // the kernel answers ENOENT (no such table or set).
  absl::Status Dump(uint16_t type, uint16_t family,
                    const std::function<void(nlmsghdr*)>& build,
                    const std::function<void(const nlmsghdr*)>& each);

 private:
  explicit NetlinkSocket(netlink::MnlSocket socket);

  netlink::MnlSocket socket_;
  uint32_t seq_;
};

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_NETLINK_SOCKET_H_
