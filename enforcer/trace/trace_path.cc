#include "enforcer/trace/trace_path.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "enforcer/nft/ruleset.h"

namespace podwall::trace {
namespace {

bool IsEgressChain(const std::string& chain) {
  return absl::StartsWith(chain, "out_") || absl::StartsWith(chain, "outnp_");
}

bool IsIngressChain(const std::string& chain) {
  return absl::StartsWith(chain, "in_") || absl::StartsWith(chain, "innp_");
}

}  // namespace

bool TraceCollector::Add(const TraceEvent& e) {
  if (!id_) {
    if (!e.packet || !match_.Matches(*e.packet)) return false;
    id_ = e.id;
    first_ = e.packet;
  }
  if (e.id != *id_ || over_) return false;
  if (e.packet && *e.packet != *first_) {
    over_ = true;
    return false;
  }
  if (events_.size() >= max_) {
    ++dropped_;
    return true;
  }
  events_.push_back(e);
  return true;
}

KernelPath JudgePath(const std::vector<TraceEvent>& events,
                     const RuleDescriber& describe) {
  KernelPath path;
  bool forward_seen = false;
  for (const TraceEvent& e : events) {
    TraceStep step;
    step.event = e;
    step.podwall = e.table == nft::kTableName;
    if (step.podwall) step.rule = describe(e);
    path.steps.push_back(step);
    const bool drop = (e.type == TraceEvent::Type::kRule ||
                       e.type == TraceEvent::Type::kPolicy) &&
                      IsDrop(e.verdict);
    const std::string where =
        absl::StrCat(FamilyName(e.family), " ", e.table, " ", e.chain);
    if (!step.podwall) {
      if (drop) path.other_drops.push_back(where);
      continue;
    }
    if (e.family == NFPROTO_INET && e.chain == "forward") forward_seen = true;
    if (drop && path.dropped_in.empty()) {
      path.dropped_in = where;
      path.dropped_origin = step.rule.origin;
    }
    // A side is decided by the last event in its chains: a rule that
    // returns (allowed) or drops, or the end of the chain (nothing there
    // denies).
    KernelSide* side = IsEgressChain(e.chain)    ? &path.egress
                       : IsIngressChain(e.chain) ? &path.ingress
                                                 : nullptr;
    if (side == nullptr) continue;
    const bool passes_on = e.type == TraceEvent::Type::kRule &&
                           (e.verdict == NFT_JUMP || e.verdict == NFT_GOTO ||
                            e.verdict == NFT_CONTINUE);
    side->seen = true;
    side->chain = e.chain;
    side->handle = e.type == TraceEvent::Type::kRule ? e.handle : 0;
    side->origin = step.rule.origin;
    if (!passes_on) side->allowed = !drop;
  }
  if (!path.dropped_in.empty()) {
    path.verdict = KernelPath::Verdict::kDeny;
  } else if (forward_seen) {
    path.verdict = KernelPath::Verdict::kAllow;
  }
  return path;
}

}  // namespace podwall::trace
