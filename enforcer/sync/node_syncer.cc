#include "enforcer/sync/node_syncer.h"

#include "enforcer/conntrack/established_cutter.h"
#include "enforcer/nft/planner.h"

namespace podwall::sync {

NodeSyncer::NodeSyncer(nft::NftBackend& backend, nft::RenderOptions options,
                       RuleNumbers* rule_numbers,
                       nft::SetNames::Digest set_digest)
    : mirror_(backend),
      set_names_(std::move(set_digest)),
      options_(std::move(options)),
      rule_numbers_(rule_numbers) {
  if (options_.flow_log) options_.flow_log->rule_numbers = rule_numbers_;
  options_.set_names = &set_names_;
}

bool NodeSyncer::NameSets(const ir::NodePolicyDelta& delta, bool added) {
  // Created sets exist now, deleted ones do not (the compiler cancels a
  // set created and deleted in one delta).
  bool renamed = false;
  auto each = [&](const std::set<std::string>& ids, nft::SetKind kind) {
    for (const std::string& id : ids) {
      renamed |= added ? set_names_.Add(kind, id) : set_names_.Remove(kind, id);
    }
  };
  if (added) {
    each(delta.pod_sets_created, nft::SetKind::kPods);
    each(delta.cidr_sets_created, nft::SetKind::kCidr);
    each(delta.port_sets_created, nft::SetKind::kPorts);
  } else {
    each(delta.pod_sets_deleted, nft::SetKind::kPods);
    each(delta.cidr_sets_deleted, nft::SetKind::kCidr);
    each(delta.port_sets_deleted, nft::SetKind::kPorts);
  }
  return renamed;
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
  if (recheck_on_) {
    recheck_.merge(conntrack::EndpointsToRecheck(delta, compiler));
  }
  if (rule_numbers_) {
    rule_numbers_->Update(delta, compiler);
    // Rules that just got a number: their chains carry a new mark.
    for (const std::string& id : rule_numbers_->TakeNewlyNumbered()) {
      delta.rules.insert(id);
    }
  }
  // New sets are named before the render, sets that went after it (the
  // patch deletes them by the name they had).
  bool renamed = NameSets(delta, /*added=*/true);
  const nft::RulesetPatch patch = nft::RenderPatch(delta, compiler, options_);
  renamed |= NameSets(delta, /*added=*/false);
  if (renamed) return SyncWhole(compiler);
  std::optional<nft::SyncPlan> plan = nft::PlanPatch(mirror_.applied(), patch);
  if (!plan) return SyncWhole(compiler);
  absl::Status st = mirror_.Commit(*plan);
  if (st.ok()) last_path_ = Path::kPatch;
  return st;
}

absl::Status NodeSyncer::SyncWhole(const controller::Compiler& compiler) {
  const ir::NodePolicy policy = compiler.Snapshot();
  set_names_.Reset(policy);
  if (rule_numbers_) {
    rule_numbers_->Reconcile(policy);
    (void)rule_numbers_->TakeNewlyNumbered();  // Rendered below anyway.
  }
  const nft::Ruleset ruleset = nft::RenderRuleset(policy, options_);
  absl::Status st = mirror_.Sync(ruleset);
  if (!st.ok()) return st;
  if (recheck_on_) {
    for (const ir::Endpoint& ep : policy.endpoints) recheck_.insert(ep.id);
  }
  render_whole_ = false;
  last_path_ = mirror_.last_adopted() ? Path::kAdopted : Path::kWhole;
  return st;
}

}  // namespace podwall::sync
