#include "enforcer/nft/nft_backend.h"

#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <map>
#include <set>

#include "enforcer/nft/sync_plan.h"
#include "policy-schema/status_macros.h"

namespace podwall::nft {

absl::StatusOr<std::unique_ptr<NetlinkBackend>> NetlinkBackend::Create() {
  ASSIGN_OR_RETURN(std::unique_ptr<NetlinkSocket> socket,
                   NetlinkSocket::Create());
  return std::unique_ptr<NetlinkBackend>(new NetlinkBackend(std::move(socket)));
}

absl::Status NetlinkBackend::Replace(const Ruleset& ruleset) {
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  EncodeReplace(ruleset, batch);
  batch.End();
  last_batch_messages_ = batch.messages();
  applied_.reset();
  RETURN_IF_ERROR(socket_->Commit(batch));
  applied_ = ruleset;
  return absl::OkStatus();
}

absl::Status NetlinkBackend::Sync(const Ruleset& ruleset) {
  if (!applied_) {
    // Adoption: a table a previous podwall left that already holds exactly
    // this ruleset is kept as it is (no change, counters keep counting);
    // anything else is replaced in one transaction.
    applied_ = ruleset;
    absl::StatusOr<bool> in_sync = InSync();
    if (in_sync.ok() && *in_sync) {
      last_batch_messages_ = 0;
      last_sync_operations_ = 0;
      return absl::OkStatus();
    }
    applied_.reset();
    return Replace(ruleset);
  }
  const SyncPlan plan = PlanSync(*applied_, ruleset);
  last_sync_operations_ = plan.operations();
  if (plan.empty()) {
    last_batch_messages_ = 0;
    return absl::OkStatus();
  }
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  EncodeSync(plan, batch);
  batch.End();
  last_batch_messages_ = batch.messages();
  absl::Status st = socket_->Commit(batch);
  if (!st.ok()) {
    applied_.reset();  // Unknown: the next sync replaces everything.
    return st;
  }
  applied_ = ruleset;
  return absl::OkStatus();
}

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

}  // namespace

absl::Status NetlinkBackend::ApplyPatch(const RulesetPatch& patch) {
  if (!applied_) {
    return absl::FailedPreconditionError("no ruleset synced yet");
  }
  Ruleset& applied = *applied_;
  // Plan against the cache: only real differences go into the batch, so a
  // patch that repeats what the kernel holds sends nothing.
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
    if (old->key != s.key || old->interval != s.interval) {
      return absl::FailedPreconditionError("set " + s.name + " changed type");
    }
    if (old->elements == s.elements) continue;
    SetChange& c = change_for(*old);
    if (s.interval) {
      c.set = &s;
      c.rewrite = true;
      continue;
    }
    std::set_difference(s.elements.begin(), s.elements.end(),
                        old->elements.begin(), old->elements.end(),
                        std::back_inserter(c.add));
    std::set_difference(old->elements.begin(), old->elements.end(),
                        s.elements.begin(), s.elements.end(),
                        std::back_inserter(c.remove));
  }
  for (const std::string& name : patch.deleted_sets) {
    if (applied.FindSet(name)) plan.deleted_sets.push_back(name);
  }
  for (const ElementUpdate& u : patch.elements) {
    if (created.contains(u.set)) continue;  // Created with its elements.
    const Set* set = applied.FindSet(u.set);
    if (!set || set->interval || set->verdict_map) {
      return absl::FailedPreconditionError("set " + u.set +
                                           " cannot take element updates");
    }
    for (const SetElement& e : u.remove) {
      if (ContainsSorted(set->elements, e))
        change_for(*set).remove.push_back(e);
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
  // old endpoint and created by the new one.
  std::set<std::string> touched;
  std::map<std::string_view, const SpoofGuard*> wanted_guards;
  for (const EndpointObjects& ep : patch.endpoints) {
    touched.insert(ep.endpoint);
    for (const SpoofGuard& g : ep.guards) wanted_guards[g.device] = &g;
  }
  for (const SpoofGuard& old : applied.guards) {
    auto it = wanted_guards.find(old.device);
    if (it == wanted_guards.end()) {
      if (touched.contains(old.endpoint)) {
        plan.deleted_guards.push_back(old.device);
      }
      continue;
    }
    if (!(*it->second == old)) plan.changed_guards.push_back(it->second);
    wanted_guards.erase(it);
  }
  for (const auto& [device, g] : wanted_guards) plan.new_guards.push_back(g);
  for (auto& [name, c] : changes) {
    if (c.rewrite || !c.add.empty() || !c.remove.empty()) {
      plan.set_changes.push_back(std::move(c));
    }
  }
  last_sync_operations_ = plan.operations();
  if (plan.empty()) {
    last_batch_messages_ = 0;
    return absl::OkStatus();
  }
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  EncodeSync(plan, batch);
  batch.End();
  last_batch_messages_ = batch.messages();
  absl::Status st = socket_->Commit(batch);
  if (!st.ok()) {
    applied_.reset();  // Unknown: the next sync replaces everything.
    return st;
  }

  // Keep the cache exact: it is what the next partial sync diffs against.
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
  return absl::OkStatus();
}

namespace {

// Every rule of podwall's table of `family`, as chain -> fingerprints in
// order. NotFound when the table is missing.
absl::StatusOr<std::map<std::string, std::vector<std::string>>> DumpRules(
    NetlinkSocket& socket, uint16_t family) {
  std::map<std::string, std::vector<std::string>> rules;
  absl::Status st = socket.Dump(
      NFT_MSG_GETRULE, family,
      [&](nlmsghdr* nlh) {
        nftnl_rule* r = nftnl_rule_alloc();
        nftnl_rule_set_str(r, NFTNL_RULE_TABLE, kTableName);
        nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family);
        nftnl_rule_nlmsg_build_payload(nlh, r);
        nftnl_rule_free(r);
      },
      [&](const nlmsghdr* nlh) {
        nftnl_rule* r = nftnl_rule_alloc();
        if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
          rules[nftnl_rule_get_str(r, NFTNL_RULE_CHAIN)].push_back(
              RuleFingerprint(r));
        }
        nftnl_rule_free(r);
      });
  if (!st.ok()) return st;
  return rules;
}

int CollectElement(nftnl_set_elem* e, void* data) {
  auto* out = static_cast<std::vector<std::string>*>(data);
  uint32_t len = 0;
  const void* key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
  uint32_t flags = 0;
  if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS)) {
    flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
  }
  std::string jump;
  if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)) {
    jump = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN);
  }
  out->push_back(ElementFingerprint(key, len, flags, jump));
  return 0;
}

}  // namespace

absl::StatusOr<bool> NetlinkBackend::InSync() {
  if (!applied_) return false;
  // Rules, chain by chain.
  auto inet = DumpRules(*socket_, NFPROTO_INET);
  if (absl::IsNotFound(inet.status())) return false;
  if (!inet.ok()) return inet.status();
  std::size_t expected_chains = 0;
  for (const Chain& chain : applied_->chains) {
    const std::vector<std::string> want = RuleFingerprints(chain);
    if (want.empty()) continue;
    ++expected_chains;
    auto it = inet->find(chain.name);
    if (it == inet->end() || it->second != want) return false;
  }
  if (inet->size() != expected_chains) return false;
  auto netdev = DumpRules(*socket_, NFPROTO_NETDEV);
  if (!netdev.ok() && !absl::IsNotFound(netdev.status())) {
    return netdev.status();
  }
  const std::size_t guards_found = netdev.ok() ? netdev->size() : 0;
  if (guards_found != applied_->guards.size()) return false;
  for (const SpoofGuard& g : applied_->guards) {
    auto it = netdev->find(kGuardChainPrefix + g.device);
    if (it == netdev->end() || it->second != GuardFingerprints(g)) return false;
  }
  // Sets by name, then their elements.
  std::set<std::string> names;
  RETURN_IF_ERROR(socket_->Dump(
      NFT_MSG_GETSET, NFPROTO_INET,
      [&](nlmsghdr* nlh) {
        nftnl_set* s = nftnl_set_alloc();
        nftnl_set_set_str(s, NFTNL_SET_TABLE, kTableName);
        nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
        nftnl_set_nlmsg_build_payload(nlh, s);
        nftnl_set_free(s);
      },
      [&](const nlmsghdr* nlh) {
        nftnl_set* s = nftnl_set_alloc();
        if (nftnl_set_nlmsg_parse(nlh, s) == 0) {
          names.insert(nftnl_set_get_str(s, NFTNL_SET_NAME));
        }
        nftnl_set_free(s);
      }));
  if (names.size() != applied_->sets.size()) return false;
  for (const Set& set : applied_->sets) {
    if (!names.contains(set.name)) return false;
    std::vector<std::string> got;
    absl::Status st = socket_->Dump(
        NFT_MSG_GETSETELEM, NFPROTO_INET,
        [&](nlmsghdr* nlh) {
          nftnl_set* s = nftnl_set_alloc();
          nftnl_set_set_str(s, NFTNL_SET_TABLE, kTableName);
          nftnl_set_set_str(s, NFTNL_SET_NAME, set.name.c_str());
          nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
          nftnl_set_elems_nlmsg_build_payload(nlh, s);
          nftnl_set_free(s);
        },
        [&](const nlmsghdr* nlh) {
          nftnl_set* s = nftnl_set_alloc();
          if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0) {
            nftnl_set_elem_foreach(s, CollectElement, &got);
          }
          nftnl_set_free(s);
        });
    if (absl::IsNotFound(st)) return false;
    RETURN_IF_ERROR(st);
    std::sort(got.begin(), got.end());
    if (got != ElementFingerprints(set)) return false;
  }
  return true;
}

absl::StatusOr<bool> NetlinkBackend::RepairDrift() {
  if (!applied_) return absl::FailedPreconditionError("nothing synced yet");
  ASSIGN_OR_RETURN(bool in_sync, InSync());
  if (in_sync) return false;
  const Ruleset desired = *applied_;
  RETURN_IF_ERROR(Replace(desired));
  return true;
}

NetlinkBackend::Counts NetlinkBackend::applied_counts() const {
  Counts c;
  if (!applied_) return c;
  c.chains = applied_->chains.size();
  for (const Chain& chain : applied_->chains) c.rules += chain.rules.size();
  c.sets = applied_->sets.size();
  for (const Set& s : applied_->sets) c.elements += s.elements.size();
  c.guards = applied_->guards.size();
  return c;
}

absl::Status NetlinkBackend::DeleteTable() {
  applied_.reset();
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  EncodeDeleteTable(batch);
  batch.End();
  last_batch_messages_ = batch.messages();
  return socket_->Commit(batch);
}

}  // namespace podwall::nft
