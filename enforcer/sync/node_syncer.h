#ifndef PODWALL_ENFORCER_SYNC_NODE_SYNCER_H_
#define PODWALL_ENFORCER_SYNC_NODE_SYNCER_H_

// NodeSyncer: the one entry point that brings the kernel to the compiler's
// current IR, from the compiler's delta to a committed transaction:
//
//   compiler.TakeDelta() ─▶ rule numbers follow ─▶ render ─▶ plan ─▶ commit
//
// Normally only what the delta touches is rendered (nft::RenderPatch) and
// planned against the mirror of the kernel (nft::PlanPatch). The whole IR is
// rendered and diffed (nft::PlanSync) when the mirror is unknown (the first
// sync, after a failure: the kernel is read back first, see
// nft::RulesetMirror), when the guarded networks changed, when a set's name
// changed (two set IDs sharing a digest, see nft::SetNames), or when the
// patch cannot be planned against the mirror.
//
// Not thread-safe; owned by the sync loop. The backend and the rule numbers
// must outlive the syncer.

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/compiler.h"
#include "enforcer/nft/nft_backend.h"
#include "enforcer/nft/renderer.h"
#include "enforcer/nft/ruleset_mirror.h"
#include "enforcer/sync/rule_numbers.h"

namespace podwall::sync {

class NodeSyncer {
 public:
  // `rule_numbers` (may be null) marks connections for flow logs when
  // `options.flow_log` is set; the syncer keeps them in step with the IR,
  // as it keeps the sets' names (`set_digest` names them; tests force
  // collisions with it).
  NodeSyncer(nft::NftBackend& backend, nft::RenderOptions options = {},
             RuleNumbers* rule_numbers = nullptr,
             nft::SetNames::Digest set_digest = nft::SetNames::Sha256Digest);

  // Consumes the compiler's pending delta and brings the kernel to the IR.
  // On error the kernel keeps what it held, the mirror is dropped, and the
  // next call renders everything and reads the kernel back first.
  absl::Status Sync(controller::Compiler& compiler);

  // Reads the kernel back and rewrites podwall's tables when someone changed
  // them. Returns whether a repair was needed; FailedPrecondition before a
  // successful sync.
  absl::StatusOr<bool> RepairDrift() { return mirror_.RepairDrift(); }

  // Node-local pod networks where unknown addresses are dropped
  // (RenderOptions::guarded_networks); a change renders everything next.
  void SetGuardedNetworks(std::vector<schema::IpPrefix> networks);
  const std::vector<schema::IpPrefix>& guarded_networks() const {
    return options_.guarded_networks;
  }

  // Whether the kernel holds what the last successful sync applied (false
  // before it and after any failure).
  bool in_sync() const { return mirror_.known(); }

  // How the last Sync went: only what the delta touched (a patch), the
  // whole IR, or the whole IR adopting the kernel's tables as they were.
  enum class Path { kNone, kPatch, kWhole, kAdopted };
  Path last_path() const { return last_path_; }
  bool last_was_patch() const { return last_path_ == Path::kPatch; }
  // Size of the last transaction sent (0: nothing needed sending).
  std::size_t last_transaction_size() const {
    return mirror_.last_transaction_size();
  }
  nft::RulesetMirror::Counts applied_counts() const { return mirror_.counts(); }
  // What the kernel holds as far as the last sync knows; null when unknown.
  const nft::Ruleset* applied() const {
    return mirror_.known() ? &mirror_.applied() : nullptr;
  }

  // The local endpoints whose allowances the syncs since the last call may
  // have narrowed (every endpoint after a whole sync: what the kernel held
  // before is unknown), for the established-connection check; gathered
  // only while `set_recheck(true)` (off by default: no work for `keep`).
  void set_recheck(bool on) {
    recheck_on_ = on;
    if (!on) recheck_.clear();
  }
  std::set<std::string> TakeEndpointsToRecheck() {
    return std::exchange(recheck_, {});
  }

 private:
  absl::Status SyncWhole(const controller::Compiler& compiler);
  bool recheck_on_ = false;
  std::set<std::string> recheck_;

  // Names of sets that came or went; returns whether another set's name
  // changed with them.
  bool NameSets(const ir::NodePolicyDelta& delta, bool added);

  nft::RulesetMirror mirror_;
  nft::SetNames set_names_;
  nft::RenderOptions options_;
  RuleNumbers* rule_numbers_;
  bool render_whole_ = true;
  Path last_path_ = Path::kNone;
};

}  // namespace podwall::sync

#endif  // PODWALL_ENFORCER_SYNC_NODE_SYNCER_H_
