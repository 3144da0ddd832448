#include "enforcer/nft/sync_plan.h"

#include <algorithm>
#include <iterator>
#include <map>

namespace podwall::nft {

bool SyncPlan::empty() const { return operations() == 0; }

std::size_t SyncPlan::operations() const {
  std::size_t n = new_sets.size() + deleted_sets.size() + new_chains.size() +
                  changed_chains.size() + deleted_chains.size() +
                  new_guards.size() + changed_guards.size() +
                  deleted_guards.size();
  for (const SetChange& c : set_changes) {
    n +=
        c.rewrite ? 1 + c.set->elements.size() : c.add.size() + c.remove.size();
  }
  return n;
}

SyncPlan PlanSync(const Ruleset& applied, const Ruleset& desired) {
  SyncPlan plan;
  std::map<std::string_view, const Set*> old_sets;
  for (const Set& s : applied.sets) old_sets[s.name] = &s;
  std::map<std::string_view, const Chain*> old_chains;
  for (const Chain& c : applied.chains) old_chains[c.name] = &c;

  for (const Set& s : desired.sets) {
    auto it = old_sets.find(s.name);
    if (it == old_sets.end()) {
      plan.new_sets.push_back(&s);
      continue;
    }
    const Set& old = *it->second;
    old_sets.erase(it);
    if (old.elements == s.elements) continue;
    SetChange change;
    change.set = &s;
    if (s.interval) {
      // Interval boundaries cannot be patched one by one safely: rewrite.
      change.rewrite = true;
    } else {
      std::set_difference(s.elements.begin(), s.elements.end(),
                          old.elements.begin(), old.elements.end(),
                          std::back_inserter(change.add));
      std::set_difference(old.elements.begin(), old.elements.end(),
                          s.elements.begin(), s.elements.end(),
                          std::back_inserter(change.remove));
    }
    plan.set_changes.push_back(std::move(change));
  }
  for (const auto& [name, set] : old_sets) {
    plan.deleted_sets.emplace_back(name);
  }

  for (const Chain& c : desired.chains) {
    auto it = old_chains.find(c.name);
    if (it == old_chains.end()) {
      plan.new_chains.push_back(&c);
      continue;
    }
    if (it->second->rules != c.rules ||
        it->second->base_forward != c.base_forward) {
      plan.changed_chains.push_back(&c);
    }
    old_chains.erase(it);
  }
  for (const auto& [name, chain] : old_chains) {
    plan.deleted_chains.emplace_back(name);
  }

  std::map<std::string_view, const SpoofGuard*> old_guards;
  for (const SpoofGuard& g : applied.guards) old_guards[g.device] = &g;
  for (const SpoofGuard& g : desired.guards) {
    auto it = old_guards.find(g.device);
    if (it == old_guards.end()) {
      plan.new_guards.push_back(&g);
      continue;
    }
    if (!(*it->second == g)) plan.changed_guards.push_back(&g);
    old_guards.erase(it);
  }
  for (const auto& [device, guard] : old_guards) {
    plan.deleted_guards.emplace_back(device);
  }
  return plan;
}

void EncodeSync(const SyncPlan& plan, NetlinkBatch& batch) {
  uint32_t set_id = 1;
  for (const Set* s : plan.new_sets) {
    EncodeNewSet(*s, set_id++, batch);
    if (!s->verdict_map) EncodeSetElements(*s, s->elements, false, batch);
  }
  for (const SetChange& c : plan.set_changes) {
    if (c.set->verdict_map) continue;
    if (c.rewrite) {
      EncodeFlushSet(c.set->name, batch);
      EncodeSetElements(*c.set, c.set->elements, false, batch);
    } else {
      EncodeSetElements(*c.set, c.remove, true, batch);
      EncodeSetElements(*c.set, c.add, false, batch);
    }
  }
  for (const Chain* c : plan.new_chains) EncodeNewChain(*c, batch);
  for (const Chain* c : plan.changed_chains) {
    EncodeFlushChain(c->name, batch);
    EncodeChainRules(*c, batch);
  }
  for (const Chain* c : plan.new_chains) EncodeChainRules(*c, batch);
  // Map entries after the chains they jump to exist, before the chains
  // they no longer jump to go.
  for (const Set* s : plan.new_sets) {
    if (s->verdict_map) EncodeSetElements(*s, s->elements, false, batch);
  }
  for (const SetChange& c : plan.set_changes) {
    if (!c.set->verdict_map) continue;
    EncodeSetElements(*c.set, c.remove, true, batch);
    EncodeSetElements(*c.set, c.add, false, batch);
  }
  for (const std::string& name : plan.deleted_chains) {
    EncodeFlushChain(name, batch);
    EncodeDeleteChain(name, batch);
  }
  for (const std::string& name : plan.deleted_sets) {
    EncodeDeleteSet(name, batch);
  }
  if (!plan.new_guards.empty()) EncodeCreateNetdevTable(batch);
  for (const SpoofGuard* g : plan.new_guards) {
    EncodeNewGuard(*g, batch);
    EncodeGuardRules(*g, batch);
  }
  for (const SpoofGuard* g : plan.changed_guards) {
    EncodeFlushGuard(g->device, batch);
    EncodeGuardRules(*g, batch);
  }
  for (const std::string& device : plan.deleted_guards) {
    EncodeFlushGuard(device, batch);
    EncodeDeleteGuard(device, batch);
  }
}

}  // namespace podwall::nft
