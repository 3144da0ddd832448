#ifndef PODWALL_ENFORCER_NFT_NFT_BACKEND_H_
#define PODWALL_ENFORCER_NFT_NFT_BACKEND_H_

// NftBackend: where podwall's table goes. NetlinkBackend is the kernel;
// tests of the logic around it can use a fake that stores the Ruleset.
// Implementations are not thread-safe; the sync loop owns one.

#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enforcer/nft/netlink_socket.h"
#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

class NftBackend {
 public:
  virtual ~NftBackend() = default;
  // Makes table inet podwall hold exactly `ruleset`, atomically: on error
  // the previous table (or its absence) is unchanged.
  virtual absl::Status Replace(const Ruleset& ruleset) = 0;
  // Makes the table hold `ruleset` by sending only what differs from what
  // this backend last applied. The first time (and after any failure) it
  // reads the kernel back: a table that already holds `ruleset` is adopted
  // untouched, anything else is replaced whole.
  virtual absl::Status Sync(const Ruleset& ruleset) = 0;
  // Applies a patch to the ruleset last synced, in one batch, sending only
  // what differs from it. FailedPrecondition when nothing was synced yet or
  // the patch names a set the ruleset lacks (or an interval set): the caller
  // then syncs the whole ruleset.
  virtual absl::Status ApplyPatch(const RulesetPatch& patch) = 0;
  // Deletes table inet podwall if present; touches nothing else.
  virtual absl::Status DeleteTable() = 0;
  // Reads podwall's tables back from the kernel and, when they differ from
  // what was last synced (someone edited them, or they are gone), replaces
  // them. Returns whether a repair was needed. FailedPrecondition before the
  // first sync.
  virtual absl::StatusOr<bool> RepairDrift() = 0;
};

// The real kernel, over one netfilter netlink socket.
class NetlinkBackend : public NftBackend {
 public:
  static absl::StatusOr<std::unique_ptr<NetlinkBackend>> Create();

  absl::Status Replace(const Ruleset& ruleset) override;
  absl::Status Sync(const Ruleset& ruleset) override;
  absl::Status ApplyPatch(const RulesetPatch& patch) override;
  absl::Status DeleteTable() override;
  absl::StatusOr<bool> RepairDrift() override;

  // True when the kernel holds exactly what was last synced. Rules are
  // compared expression by expression (counter values aside), sets by
  // name, elements by key, flags and verdict.
  absl::StatusOr<bool> InSync();

  // Number of netlink messages in the last committed batch (0 when a sync
  // found nothing to do), and the objects/elements it touched.
  std::size_t last_batch_messages() const { return last_batch_messages_; }
  // What the kernel holds as far as this backend knows (all zero before the
  // first sync).
  struct Counts {
    std::size_t chains = 0;
    std::size_t rules = 0;
    std::size_t sets = 0;
    std::size_t elements = 0;
    std::size_t guards = 0;
  };
  Counts applied_counts() const;
  std::size_t last_sync_operations() const { return last_sync_operations_; }

 private:
  explicit NetlinkBackend(std::unique_ptr<NetlinkSocket> socket)
      : socket_(std::move(socket)) {}

  std::unique_ptr<NetlinkSocket> socket_;
  // What the kernel holds, as far as this backend knows: the element cache
  // partial syncs diff against. Unset until a full replace succeeded.
  std::optional<Ruleset> applied_;
  std::size_t last_batch_messages_ = 0;
  std::size_t last_sync_operations_ = 0;
};

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_NFT_BACKEND_H_
