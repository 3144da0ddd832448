#ifndef PODWALL_ENFORCER_SYNC_NODE_SYNCER_H_
#define PODWALL_ENFORCER_SYNC_NODE_SYNCER_H_

// NodeSyncer: the one entry point that brings the kernel to the compiler's
// current IR. When the compiler's delta only touches local endpoints and set
// elements (pods here or elsewhere come, go, change), it renders just those
// endpoints and sends what differs; otherwise (policies changed) it renders
// the whole ruleset and lets the backend send the difference.
// Not thread-safe; owned by the sync loop.

#include "absl/status/status.h"
#include "controller/compiler.h"
#include "enforcer/nft/nft_backend.h"
#include "enforcer/nft/renderer.h"

namespace podwall::enforcer {

class NodeSyncer {
 public:
  // `backend` must outlive the syncer.
  explicit NodeSyncer(nft::NftBackend& backend, nft::RenderOptions options = {})
      : backend_(backend), options_(options) {}

  // Consumes the compiler's pending delta. On error the next call renders
  // and syncs everything.
  absl::Status Sync(controller::Compiler& compiler);

  // Whether the last Sync took the patch path (no whole render).
  bool last_was_patch() const { return last_was_patch_; }

  // Node-local pod networks where unknown addresses are dropped
  // (RenderOptions::guarded_networks); a change renders everything next.
  void SetGuardedNetworks(std::vector<schema::IpPrefix> networks) {
    if (networks == options_.guarded_networks) return;
    options_.guarded_networks = std::move(networks);
    synced_once_ = false;
  }
  const std::vector<schema::IpPrefix>& guarded_networks() const {
    return options_.guarded_networks;
  }

 private:
  nft::NftBackend& backend_;
  nft::RenderOptions options_;
  bool synced_once_ = false;
  bool last_was_patch_ = false;
};

}  // namespace podwall::enforcer

#endif  // PODWALL_ENFORCER_SYNC_NODE_SYNCER_H_
