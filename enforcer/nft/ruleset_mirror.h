#ifndef PODWALL_ENFORCER_NFT_RULESET_MIRROR_H_
#define PODWALL_ENFORCER_NFT_RULESET_MIRROR_H_

// RulesetMirror: podwall's copy of what its tables in the kernel hold (the
// element cache partial syncs are planned against), and the one path by
// which anything is written there. A plan goes to the backend as one
// transaction; on success the mirror follows it, on failure the mirror is
// dropped: what the kernel holds is then unknown, and the next write reads
// the kernel back first. known() is the only notion of "in sync".
//
// Not thread-safe; the sync loop owns one. The backend must outlive it.

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enforcer/nft/nft_backend.h"
#include "enforcer/nft/planner.h"
#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

class RulesetMirror {
 public:
  explicit RulesetMirror(NftBackend& backend) : backend_(backend) {}

  // Whether the kernel holds applied(), as far as podwall knows.
  bool known() const { return applied_.has_value(); }
  // What the kernel holds; only while known().
  const Ruleset& applied() const { return *applied_; }

  // Makes the kernel hold `desired`. While unknown, reads the kernel back
  // first: a table that already holds `desired` is adopted as it is (no
  // batch; counters keep counting), anything else is replaced in one
  // transaction (no open window either way). While known, sends only what
  // differs from applied().
  absl::Status Sync(const Ruleset& desired);
  // Replaces podwall's tables with `desired`, whatever they hold.
  absl::Status Replace(const Ruleset& desired);
  // Commits a plan made against applied() (or a replacement): the one
  // commit path. An empty plan sends nothing.
  absl::Status Commit(const SyncPlan& plan);
  // Reads the kernel back and, when it differs from applied() (someone
  // edited podwall's tables, or deleted them), replaces it. Returns whether
  // a repair was needed. FailedPrecondition while unknown.
  absl::StatusOr<bool> RepairDrift();
  // Deletes podwall's tables (if present) and forgets them.
  absl::Status DeleteTables();

  // Size of the last transaction sent (Transaction::size()); 0 when the
  // last write found nothing to send.
  std::size_t last_transaction_size() const { return last_size_; }
  // Whether the last write was adopting the kernel's tables as they were.
  bool last_adopted() const { return last_adopted_; }

  // What the kernel holds as far as the mirror knows (all zero while
  // unknown).
  struct Counts {
    std::size_t chains = 0;
    std::size_t rules = 0;
    std::size_t sets = 0;
    std::size_t elements = 0;
    std::size_t guards = 0;
  };
  Counts counts() const;

 private:
  NftBackend& backend_;
  std::optional<Ruleset> applied_;
  std::size_t last_size_ = 0;
  bool last_adopted_ = false;
};

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_RULESET_MIRROR_H_
