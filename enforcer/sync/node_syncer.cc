#include "enforcer/sync/node_syncer.h"

#include "enforcer/nft/planner.h"

namespace podwall::sync {

NodeSyncer::NodeSyncer(nft::NftBackend& backend, nft::RenderOptions options,
                       RuleNumbers* rule_numbers)
    : mirror_(backend),
      options_(std::move(options)),
      rule_numbers_(rule_numbers) {
  if (options_.flow_log) options_.flow_log->rule_numbers = rule_numbers_;
}

void NodeSyncer::SetGuardedNetworks(std::vector<schema::IpPrefix> networks) {
  if (networks == options_.guarded_networks) return;
  options_.guarded_networks = std::move(networks);
  render_whole_ = true;
}

absl::Status NodeSyncer::Sync(controller::Compiler& compiler) {
  ir::NodePolicyDelta delta = compiler.TakeDelta();
  last_path_ = Path::kNone;
  if (!mirror_.known() || render_whole_) return SyncWhole(compiler);
  if (rule_numbers_) {
    rule_numbers_->Update(delta, compiler);
    // Rules that just got a number: their chains carry a new mark.
    for (const std::string& id : rule_numbers_->TakeNewlyNumbered()) {
      delta.rules.insert(id);
    }
  }
  const nft::RulesetPatch patch = nft::RenderPatch(delta, compiler, options_);
  std::optional<nft::SyncPlan> plan = nft::PlanPatch(mirror_.applied(), patch);
  if (!plan) return SyncWhole(compiler);
  absl::Status st = mirror_.Commit(*plan);
  if (st.ok()) last_path_ = Path::kPatch;
  return st;
}

absl::Status NodeSyncer::SyncWhole(const controller::Compiler& compiler) {
  const ir::NodePolicy policy = compiler.Snapshot();
  if (rule_numbers_) {
    rule_numbers_->Reconcile(policy);
    (void)rule_numbers_->TakeNewlyNumbered();  // Rendered below anyway.
  }
  const nft::Ruleset ruleset = nft::RenderRuleset(policy, options_);
  absl::Status st = mirror_.Sync(ruleset);
  if (!st.ok()) return st;
  render_whole_ = false;
  last_path_ = mirror_.last_adopted() ? Path::kAdopted : Path::kWhole;
  return st;
}

}  // namespace podwall::sync
