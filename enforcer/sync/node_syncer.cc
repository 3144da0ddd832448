#include "enforcer/sync/node_syncer.h"

#include "enforcer/nft/renderer.h"

namespace podwall::enforcer {

absl::Status NodeSyncer::Sync(controller::Compiler& compiler) {
  const ir::NodePolicyDelta delta = compiler.TakeDelta();
  last_was_patch_ = false;
  if (synced_once_) {
    absl::Status st =
        backend_.ApplyPatch(nft::RenderPatch(delta, compiler, options_));
    if (st.ok()) {
      last_was_patch_ = true;
      return st;
    }
    if (!absl::IsFailedPrecondition(st)) {
      synced_once_ = false;
      return st;
    }
    // The cache cannot take it: fall through to a whole render.
  }
  absl::Status st =
      backend_.Sync(nft::RenderRuleset(compiler.Snapshot(), options_));
  synced_once_ = st.ok();
  return st;
}

}  // namespace podwall::enforcer
