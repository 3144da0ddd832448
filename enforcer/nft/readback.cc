#include "enforcer/nft/readback.h"

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "enforcer/netlink/handles.h"
#include "enforcer/nft/expressions.h"
#include "enforcer/nft/guard_rules.h"
#include "enforcer/nft/messages.h"
#include "policy-schema/status_macros.h"

namespace podwall::nft {
namespace {

// Chain -> fingerprints of its rules, in order.
using ChainRules = std::map<std::string, std::vector<std::string>>;

// Every rule of podwall's table of `family` (but a trace's). NotFound when the
// table is missing.
absl::StatusOr<ChainRules> DumpRules(NetlinkSocket& socket, uint16_t family) {
  ChainRules rules;
  absl::Status st = socket.Dump(
      NFT_MSG_GETRULE, family,
      [&](nlmsghdr* nlh) {
        netlink::NftRule r(nftnl_rule_alloc());
        nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
        nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, family);
        nftnl_rule_nlmsg_build_payload(nlh, r.get());
      },
      [&](const nlmsghdr* nlh) {
        netlink::NftRule r(nftnl_rule_alloc());
        if (nftnl_rule_nlmsg_parse(nlh, r.get()) != 0) return;
        const char* chain = nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN);
        // A trace armed for `podwall trace` is not drift.
        if (std::strcmp(chain, kTraceChain) == 0) return;
        rules[chain].push_back(RuleFingerprint(r.get()));
      });
  if (!st.ok()) return st;
  return rules;
}

// The names of the sets of podwall's table of `family`.
absl::StatusOr<std::set<std::string>> DumpSetNames(NetlinkSocket& socket,
                                                   uint16_t family) {
  std::set<std::string> names;
  RETURN_IF_ERROR(socket.Dump(
      NFT_MSG_GETSET, family,
      [&](nlmsghdr* nlh) {
        netlink::NftSet s(nftnl_set_alloc());
        nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
        nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, family);
        nftnl_set_nlmsg_build_payload(nlh, s.get());
      },
      [&](const nlmsghdr* nlh) {
        netlink::NftSet s(nftnl_set_alloc());
        if (nftnl_set_nlmsg_parse(nlh, s.get()) == 0) {
          names.insert(nftnl_set_get_str(s.get(), NFTNL_SET_NAME));
        }
      }));
  return names;
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

// Fingerprints of the elements of set `name`, sorted. NotFound when the
// set is missing.
absl::StatusOr<std::vector<std::string>> DumpElements(
    NetlinkSocket& socket, const std::string& name,
    uint16_t family = NFPROTO_INET) {
  std::vector<std::string> got;
  RETURN_IF_ERROR(socket.Dump(
      NFT_MSG_GETSETELEM, family,
      [&](nlmsghdr* nlh) {
        netlink::NftSet s(nftnl_set_alloc());
        nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
        nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
        nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, family);
        nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
      },
      [&](const nlmsghdr* nlh) {
        netlink::NftSet s(nftnl_set_alloc());
        if (nftnl_set_elems_nlmsg_parse(nlh, s.get()) == 0) {
          nftnl_set_elem_foreach(s.get(), CollectElement, &got);
        }
      }));
  std::sort(got.begin(), got.end());
  return got;
}

}  // namespace

absl::StatusOr<bool> KernelHolds(NetlinkSocket& socket,
                                 const Ruleset& ruleset) {
  // Rules, chain by chain (a chain without rules is not in a dump), table
  // by table; a missing netdev or bridge table holds no rules.
  auto inet = DumpRules(socket, NFPROTO_INET);
  if (absl::IsNotFound(inet.status())) return false;
  if (!inet.ok()) return inet.status();
  ChainRules want_inet, want_netdev, want_bridge;
  for (const Chain& chain : ruleset.chains) {
    std::vector<std::string> want = RuleFingerprints(chain);
    if (!want.empty()) want_inet[chain.name] = std::move(want);
  }
  for (const SpoofGuard& g : ruleset.guards) {
    const std::pair<std::string, std::vector<std::string>> chains[] = {
        {GuardChainName(g.device), GuardFingerprints(g)},
        {DeliverChainName(g.device), DeliverFingerprints(g)}};
    for (const auto& [name, want] : chains) {
      if (!want.empty()) want_netdev[name] = want;
    }
    want_inet[GuardChainName(g.device)] =
        AfterTcGuardFingerprints(NFPROTO_INET, g);
    want_bridge[GuardChainName(g.device)] =
        AfterTcGuardFingerprints(NFPROTO_BRIDGE, g);
  }
  // Chain prerouting's one rule, the same in both tables; with no guard it
  // may be left from when the last guard went, and is not expected.
  const std::vector<std::string> dispatch = {
      RuleFingerprint(BuildGuardDispatchRule(NFPROTO_INET).get())};
  auto base_chain = [&](ChainRules& have, ChainRules& want) {
    if (!ruleset.guards.empty()) {
      want[kGuardBaseChain] = dispatch;
    } else if (auto it = have.find(kGuardBaseChain);
               it != have.end() && it->second == dispatch) {
      have.erase(it);
    }
  };
  base_chain(*inet, want_inet);
  if (*inet != want_inet) return false;
  for (auto [family, want] : {std::pair{NFPROTO_NETDEV, &want_netdev},
                              std::pair{NFPROTO_BRIDGE, &want_bridge}}) {
    auto got = DumpRules(socket, family);
    if (!got.ok() && !absl::IsNotFound(got.status())) return got.status();
    ChainRules none;
    ChainRules& have = got.ok() ? *got : none;
    if (family == NFPROTO_BRIDGE) base_chain(have, *want);
    if (have != *want) return false;
  }
  // Sets by name, then their elements; the guards' maps by device.
  ASSIGN_OR_RETURN(std::set<std::string> names,
                   DumpSetNames(socket, NFPROTO_INET));
  const bool guard_map = names.erase(kGuardMapName) > 0;
  if (!ruleset.guards.empty() && !guard_map) return false;
  if (names.size() != ruleset.sets.size()) return false;
  for (const Set& set : ruleset.sets) {
    if (!names.contains(set.name)) return false;
    absl::StatusOr<std::vector<std::string>> got =
        DumpElements(socket, set.name);
    if (absl::IsNotFound(got.status())) return false;
    if (!got.ok()) return got.status();
    if (*got != ElementFingerprints(set)) return false;
  }
  if (ruleset.guards.empty()) return true;
  const std::vector<std::string> entries = GuardMapFingerprints(ruleset.guards);
  for (uint16_t family : kAfterTcFamilies) {
    absl::StatusOr<std::vector<std::string>> got =
        DumpElements(socket, kGuardMapName, family);
    if (absl::IsNotFound(got.status())) return false;
    if (!got.ok()) return got.status();
    if (*got != entries) return false;
  }
  return true;
}

std::string RuleFingerprint(const nftnl_rule* rule) {
  std::string out;
  netlink::NftExprIter it(nftnl_expr_iter_create(rule));
  char buf[1024];
  for (nftnl_expr* e = nftnl_expr_iter_next(it.get()); e;
       e = nftnl_expr_iter_next(it.get())) {
    const char* name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    if (std::strcmp(name, "counter") == 0) {
      out += "[counter]";  // Its values are the kernel's, not ours.
      continue;
    }
    nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
    absl::StrAppend(&out, "[", name, " ", buf, "]");
  }
  uint32_t len = 0;
  if (nftnl_rule_is_set(rule, NFTNL_RULE_USERDATA)) {
    const void* data = nftnl_rule_get_data(rule, NFTNL_RULE_USERDATA, &len);
    out.append("|");
    out.append(static_cast<const char*>(data), len);
  }
  return out;
}

std::vector<std::string> RuleFingerprints(const Chain& chain) {
  std::vector<std::string> out;
  for (const Rule& rule : chain.rules) {
    out.push_back(RuleFingerprint(BuildRule(chain.name, rule).get()));
  }
  return out;
}

std::vector<std::string> GuardFingerprints(const SpoofGuard& guard) {
  std::vector<std::string> out;
  for (netlink::NftRule& r : BuildGuardRules(guard)) {
    out.push_back(RuleFingerprint(r.get()));
  }
  return out;
}

std::vector<std::string> DeliverFingerprints(const SpoofGuard& guard) {
  std::vector<std::string> out;
  for (netlink::NftRule& r : BuildDeliverRules(guard)) {
    out.push_back(RuleFingerprint(r.get()));
  }
  return out;
}

std::vector<std::string> AfterTcGuardFingerprints(uint16_t family,
                                                  const SpoofGuard& guard) {
  std::vector<std::string> out;
  for (netlink::NftRule& r : BuildAfterTcGuardRules(family, guard)) {
    out.push_back(RuleFingerprint(r.get()));
  }
  return out;
}

std::vector<std::string> GuardMapFingerprints(
    const std::vector<SpoofGuard>& guards) {
  std::vector<std::string> out;
  for (const SpoofGuard& g : guards) {
    netlink::NftSet s = BuildGuardMapElement(NFPROTO_INET, g.device, true);
    nftnl_set_elem_foreach(s.get(), CollectElement, &out);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ElementFingerprint(const void* key, uint32_t key_len,
                               uint32_t flags, const std::string& jump) {
  return absl::StrCat(absl::BytesToHexString(absl::string_view(
                          static_cast<const char*>(key), key_len)),
                      "/", flags, "/", jump);
}

std::vector<std::string> ElementFingerprints(const Set& set) {
  std::vector<std::string> out;
  for (const RawElement& r : RawElements(set, set.elements, false)) {
    out.push_back(ElementFingerprint(
        r.key.data(), static_cast<uint32_t>(r.key.size()), r.flags, r.jump));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace podwall::nft
