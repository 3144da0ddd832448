#include "enforcer/nft/planner.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace podwall::nft {
namespace {

// Inserts or erases `e` in the sorted `elements`.
void AddSorted(std::vector<SetElement>& elements, const SetElement& e) {
  auto it = std::lower_bound(elements.begin(), elements.end(), e);
  if (it == elements.end() || !(*it == e)) elements.insert(it, e);
}
void EraseSorted(std::vector<SetElement>& elements, const SetElement& e) {
  auto it = std::lower_bound(elements.begin(), elements.end(), e);
  if (it != elements.end() && *it == e) elements.erase(it);
}
bool ContainsSorted(const std::vector<SetElement>& elements,
                    const SetElement& e) {
  return std::binary_search(elements.begin(), elements.end(), e);
}

// The element delta from `old` to `want` (both sorted) of a hash set or
// map, or a whole rewrite of an interval set.
SetChange DiffElements(const Set& want, const Set& old) {
  SetChange change;
  change.set = &want;
  if (want.interval) {
    // Interval boundaries cannot be patched one by one safely: rewrite.
    change.rewrite = true;
    return change;
  }
  std::set_difference(want.elements.begin(), want.elements.end(),
                      old.elements.begin(), old.elements.end(),
                      std::back_inserter(change.add));
  std::set_difference(old.elements.begin(), old.elements.end(),
                      want.elements.begin(), want.elements.end(),
                      std::back_inserter(change.remove));
  return change;
}

// Guards, by device: those of `wanted` the cache lacks or holds otherwise,
// and the cache's guards that `owned` says must go when `wanted` has none
// for their device.
template <typename OwnedFn>
void PlanGuards(const std::vector<SpoofGuard>& applied,
                std::map<std::string_view, const SpoofGuard*> wanted,
                OwnedFn owned, SyncPlan& plan) {
  for (const SpoofGuard& old : applied) {
    auto it = wanted.find(old.device);
    if (it == wanted.end()) {
      if (owned(old)) plan.deleted_guards.push_back(old.device);
      continue;
    }
    if (!(*it->second == old)) plan.changed_guards.push_back(it->second);
    wanted.erase(it);
  }
  for (const auto& [device, g] : wanted) plan.new_guards.push_back(g);
}

}  // namespace

bool SyncPlan::empty() const { return !replace && operations() == 0; }

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

SyncPlan PlanReplace(const Ruleset& desired) {
  SyncPlan plan;
  plan.replace = true;
  plan.whole = &desired;
  for (const Set& s : desired.sets) plan.new_sets.push_back(&s);
  for (const Chain& c : desired.chains) plan.new_chains.push_back(&c);
  for (const SpoofGuard& g : desired.guards) plan.new_guards.push_back(&g);
  return plan;
}

SyncPlan PlanSync(const Ruleset& applied, const Ruleset& desired) {
  SyncPlan plan;
  plan.whole = &desired;
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
    plan.set_changes.push_back(DiffElements(s, old));
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

  std::map<std::string_view, const SpoofGuard*> wanted;
  for (const SpoofGuard& g : desired.guards) wanted[g.device] = &g;
  PlanGuards(
      applied.guards, std::move(wanted), [](const SpoofGuard&) { return true; },
      plan);
  return plan;
}

std::optional<SyncPlan> PlanPatch(const Ruleset& applied,
                                  const RulesetPatch& patch) {
  // Only real differences go into the plan, so a patch that repeats what
  // the kernel holds sends nothing.
  SyncPlan plan;
  std::map<std::string, SetChange> changes;  // By set name.
  auto change_for = [&](const Set& set) -> SetChange& {
    SetChange& c = changes[set.name];
    c.set = &set;
    return c;
  };
  // Sets created whole; one the cache already has (deleted and re-created
  // by the compiler, or repeated) gets its elements diffed instead.
  std::set<std::string_view> created;
  for (const Set& s : patch.sets) {
    const Set* old = applied.FindSet(s.name);
    if (!old) {
      plan.new_sets.push_back(&s);
      created.insert(s.name);
      continue;
    }
    if (old->key != s.key || old->interval != s.interval ||
        old->verdict_map != s.verdict_map) {
      return std::nullopt;
    }
    if (old->elements == s.elements) continue;
    SetChange diff = DiffElements(s, *old);
    SetChange& c = change_for(*old);
    c.rewrite = diff.rewrite;
    if (diff.rewrite) c.set = &s;
    c.add = std::move(diff.add);
    c.remove = std::move(diff.remove);
  }
  for (const std::string& name : patch.deleted_sets) {
    if (applied.FindSet(name)) plan.deleted_sets.push_back(name);
  }
  for (const ElementUpdate& u : patch.elements) {
    if (created.contains(u.set)) continue;  // Created with its elements.
    const Set* set = applied.FindSet(u.set);
    if (!set || set->interval || set->verdict_map) return std::nullopt;
    for (const SetElement& e : u.remove) {
      if (ContainsSorted(set->elements, e)) {
        change_for(*set).remove.push_back(e);
      }
    }
    for (const SetElement& e : u.add) {
      if (!ContainsSorted(set->elements, e)) change_for(*set).add.push_back(e);
    }
  }
  for (const EndpointObjects& ep : patch.endpoints) {
    for (const std::string& name : ep.chain_names) {
      const Chain* old = applied.FindChain(name);
      const Chain* want = nullptr;
      for (const Chain& c : ep.chains) {
        if (c.name == name) want = &c;
      }
      if (want && !old) plan.new_chains.push_back(want);
      if (want && old && !(*want == *old)) plan.changed_chains.push_back(want);
      if (!want && old) plan.deleted_chains.push_back(name);
    }
    // Map entries: those that jump to this endpoint's chains, old and new.
    for (const Set& map : applied.sets) {
      if (!map.verdict_map) continue;
      std::vector<SetElement> want;
      for (const auto& [name, e] : ep.map_entries) {
        if (name == map.name) want.push_back(e);
      }
      std::sort(want.begin(), want.end());
      for (const SetElement& e : map.elements) {
        const bool ours =
            std::find(ep.chain_names.begin(), ep.chain_names.end(),
                      e.jump_chain) != ep.chain_names.end();
        if (ours && !std::binary_search(want.begin(), want.end(), e)) {
          change_for(map).remove.push_back(e);
        }
      }
      for (const SetElement& e : want) {
        if (!ContainsSorted(map.elements, e)) change_for(map).add.push_back(e);
      }
    }
  }
  // Guards, by device across the whole patch, as a full sync plans them: a
  // device can pass from one endpoint to another in one patch (a renamed
  // container), and its chain must then be rewritten, not deleted by the
  // old endpoint and created by the new one. A guard the patch does not
  // name goes only when its endpoint is one the patch touches.
  std::set<std::string_view> touched;
  std::map<std::string_view, const SpoofGuard*> wanted;
  for (const EndpointObjects& ep : patch.endpoints) {
    touched.insert(ep.endpoint);
    for (const SpoofGuard& g : ep.guards) wanted[g.device] = &g;
  }
  PlanGuards(
      applied.guards, std::move(wanted),
      [&](const SpoofGuard& g) { return touched.contains(g.endpoint); }, plan);
  for (auto& [name, c] : changes) {
    if (c.rewrite || !c.add.empty() || !c.remove.empty()) {
      plan.set_changes.push_back(std::move(c));
    }
  }
  return plan;
}

Transaction ToTransaction(const SyncPlan& plan) {
  Transaction tx;
  auto add = [&tx](Op op) { tx.ops.push_back(std::move(op)); };
  auto elements = [&](Op::Kind kind, const Set& set,
                      const std::vector<SetElement>& list) {
    if (list.empty()) return;
    Op op{kind};
    op.set = &set;
    op.elements = &list;
    add(std::move(op));
  };
  auto named = [&](Op::Kind kind, const std::string& name) {
    Op op{kind};
    op.name = name;
    add(std::move(op));
  };
  auto rules = [&](const Chain& chain) {
    if (chain.rules.empty()) return;
    Op op{Op::Kind::kAddRules};
    op.chain = &chain;
    add(std::move(op));
  };
  auto guard_op = [&](Op::Kind kind, const SpoofGuard& g) {
    Op op{kind};
    op.guard = &g;
    add(std::move(op));
  };

  if (plan.replace) {
    tx = DeleteTablesTransaction();
    add({Op::Kind::kAddTable, TableFamily::kInet});
  }
  for (const Set* s : plan.new_sets) {
    Op op{Op::Kind::kAddSet};
    op.set = s;
    add(std::move(op));
    if (!s->verdict_map) elements(Op::Kind::kAddElements, *s, s->elements);
  }
  for (const SetChange& c : plan.set_changes) {
    if (c.set->verdict_map) continue;
    if (c.rewrite) {
      named(Op::Kind::kFlushSet, c.set->name);
      elements(Op::Kind::kAddElements, *c.set, c.set->elements);
    } else {
      elements(Op::Kind::kDeleteElements, *c.set, c.remove);
      elements(Op::Kind::kAddElements, *c.set, c.add);
    }
  }
  for (const Chain* c : plan.new_chains) {
    Op op{Op::Kind::kAddChain};
    op.chain = c;
    add(std::move(op));
  }
  for (const Chain* c : plan.changed_chains) {
    named(Op::Kind::kFlushChain, c->name);
    rules(*c);
  }
  for (const Chain* c : plan.new_chains) rules(*c);
  // Map entries after the chains they jump to exist, before the chains
  // they no longer jump to go.
  for (const Set* s : plan.new_sets) {
    if (s->verdict_map) elements(Op::Kind::kAddElements, *s, s->elements);
  }
  for (const SetChange& c : plan.set_changes) {
    if (!c.set->verdict_map) continue;
    elements(Op::Kind::kDeleteElements, *c.set, c.remove);
    elements(Op::Kind::kAddElements, *c.set, c.add);
  }
  // Deletions: rules out of the chains that go, then the entries of the
  // maps that go (they may jump to those chains), then the chains, then
  // the sets (no rule uses them any more).
  for (const std::string& name : plan.deleted_chains) {
    named(Op::Kind::kFlushChain, name);
  }
  if (!plan.deleted_chains.empty()) {
    for (const std::string& name : plan.deleted_sets) {
      named(Op::Kind::kFlushSet, name);
    }
  }
  for (const std::string& name : plan.deleted_chains) {
    named(Op::Kind::kDeleteChain, name);
  }
  for (const std::string& name : plan.deleted_sets) {
    named(Op::Kind::kDeleteSet, name);
  }
  if (!plan.new_guards.empty()) add({Op::Kind::kAddGuardBase});
  for (const SpoofGuard* g : plan.new_guards) {
    guard_op(Op::Kind::kAddGuard, *g);
    guard_op(Op::Kind::kAddGuardRules, *g);
  }
  for (const SpoofGuard* g : plan.changed_guards) {
    named(Op::Kind::kFlushGuard, g->device);
    guard_op(Op::Kind::kAddGuardRules, *g);
  }
  for (const std::string& device : plan.deleted_guards) {
    named(Op::Kind::kFlushGuard, device);
    named(Op::Kind::kDeleteGuard, device);
  }
  return tx;
}

void ApplyToCache(const SyncPlan& plan, Ruleset& applied) {
  if (plan.whole) {
    applied = *plan.whole;
    return;
  }
  for (const SetChange& c : plan.set_changes) {
    std::vector<SetElement>& elements = applied.FindSet(c.set->name)->elements;
    if (c.rewrite) {
      elements = c.set->elements;
      continue;
    }
    for (const SetElement& e : c.remove) EraseSorted(elements, e);
    for (const SetElement& e : c.add) AddSorted(elements, e);
  }
  for (const std::string& name : plan.deleted_sets) {
    std::erase_if(applied.sets, [&](const Set& s) { return s.name == name; });
  }
  // New sets go before the maps, which stay last.
  for (const Set* s : plan.new_sets) {
    auto pos = std::find_if(applied.sets.begin(), applied.sets.end(),
                            [](const Set& x) { return x.verdict_map; });
    applied.sets.insert(pos, *s);
  }
  auto erase_chain = [&](std::string_view name) {
    std::erase_if(applied.chains,
                  [&](const Chain& c) { return c.name == name; });
  };
  for (const std::string& name : plan.deleted_chains) erase_chain(name);
  for (const Chain* c : plan.changed_chains) erase_chain(c->name);
  // Endpoint chains go before the base chain, which stays last.
  auto insert_chain = [&](const Chain& c) {
    auto pos = std::find_if(applied.chains.begin(), applied.chains.end(),
                            [](const Chain& x) { return x.base_forward; });
    applied.chains.insert(pos, c);
  };
  for (const Chain* c : plan.new_chains) insert_chain(*c);
  for (const Chain* c : plan.changed_chains) insert_chain(*c);
  auto erase_guard = [&](std::string_view device) {
    std::erase_if(applied.guards,
                  [&](const SpoofGuard& g) { return g.device == device; });
  };
  for (const std::string& device : plan.deleted_guards) erase_guard(device);
  for (const SpoofGuard* g : plan.changed_guards) erase_guard(g->device);
  for (const auto* list : {&plan.new_guards, &plan.changed_guards}) {
    for (const SpoofGuard* g : *list) {
      auto pos =
          std::lower_bound(applied.guards.begin(), applied.guards.end(), *g,
                           [](const SpoofGuard& a, const SpoofGuard& b) {
                             return a.device < b.device;
                           });
      applied.guards.insert(pos, *g);
    }
  }
}

}  // namespace podwall::nft
