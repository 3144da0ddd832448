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

absl::Status NetlinkBackend::SyncElements(
    const std::vector<ElementUpdate>& updates) {
  if (!applied_) {
    return absl::FailedPreconditionError("no ruleset synced yet");
  }
  for (const ElementUpdate& u : updates) {
    const Set* set = applied_->FindSet(u.set);
    if (!set || set->interval) {
      return absl::FailedPreconditionError("set " + u.set +
                                           " cannot take element updates");
    }
  }
  last_sync_operations_ = 0;
  NetlinkBatch batch(socket_->NextSeq());
  batch.Begin();
  for (const ElementUpdate& u : updates) {
    const Set& set = *applied_->FindSet(u.set);
    EncodeSetElements(set, u.remove, /*remove=*/true, batch);
    EncodeSetElements(set, u.add, /*remove=*/false, batch);
    last_sync_operations_ += u.add.size() + u.remove.size();
  }
  batch.End();
  last_batch_messages_ = batch.messages();
  if (last_sync_operations_ == 0) {
    last_batch_messages_ = 0;
    return absl::OkStatus();
  }
  absl::Status st = socket_->Commit(batch);
  if (!st.ok()) {
    applied_.reset();
    return st;
  }
  // Keep the cache exact: it is what the next partial sync diffs against.
  for (const ElementUpdate& u : updates) {
    std::vector<SetElement>& elements = applied_->FindSet(u.set)->elements;
    for (const SetElement& e : u.remove) {
      auto it = std::lower_bound(elements.begin(), elements.end(), e);
      if (it != elements.end() && *it == e) elements.erase(it);
    }
    for (const SetElement& e : u.add) {
      auto it = std::lower_bound(elements.begin(), elements.end(), e);
      if (it == elements.end() || !(*it == e)) elements.insert(it, e);
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
