#ifndef PODWALL_ENFORCER_NFT_NFT_BACKEND_H_
#define PODWALL_ENFORCER_NFT_NFT_BACKEND_H_

// NftBackend: the seam between podwall and the kernel's nf_tables. Two
// operations, as the kernel offers them: commit a transaction atomically,
// and read podwall's tables back. NetlinkBackend (netlink_backend.h) is the
// kernel; FakeBackend (fake_backend.h) is an in-memory kernel for tests of
// everything above this seam.
//
// Implementations are not thread-safe; the sync loop owns one.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enforcer/nft/ruleset.h"
#include "enforcer/nft/transaction.h"

namespace podwall::nft {

class NftBackend {
 public:
  virtual ~NftBackend() = default;
  // Carries out `tx` as one batch, all or nothing: on error the kernel
  // holds what it held before, and the status (Internal) names the
  // operation it refused and why ("add rule 1 to chain in_x/a: No such file
  // or directory").
  virtual absl::Status Commit(const Transaction& tx) = 0;
  // Whether podwall's tables hold exactly `ruleset` (rules expression by
  // expression, counter values aside; sets by name; elements by key, flags
  // and verdict). False when the tables are missing. An error only when the
  // tables cannot be read.
  virtual absl::StatusOr<bool> Holds(const Ruleset& ruleset) = 0;
};

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_NFT_BACKEND_H_
