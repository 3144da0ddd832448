#include "enforcer/nft/messages.h"

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "enforcer/netlink/handles.h"
#include "enforcer/nft/expressions.h"
#include "enforcer/nft/guard_rules.h"

namespace podwall::nft {
namespace {

constexpr std::size_t kElementsPerMessage = 512;

// nft's datatype numbers (src/datatype.h), needed so that `nft list` can
// print the keys: ipv4_addr, ipv6_addr, inet_proto, inet_service.
constexpr uint32_t kTypeIpv4 = 7;
constexpr uint32_t kTypeIpv6 = 8;
constexpr uint32_t kTypeInetProto = 12;
constexpr uint32_t kTypeInetService = 13;
constexpr uint32_t kTypeBits = 6;  // Concatenated types: (a << 6) | b.

uint32_t KeyTypeId(KeyType k) {
  switch (k) {
    case KeyType::kIpv4:
      return kTypeIpv4;
    case KeyType::kIpv6:
      return kTypeIpv6;
    case KeyType::kIpv4ProtoPort:
      return ((kTypeIpv4 << kTypeBits | kTypeInetProto) << kTypeBits) |
             kTypeInetService;
    case KeyType::kIpv6ProtoPort:
      return ((kTypeIpv6 << kTypeBits | kTypeInetProto) << kTypeBits) |
             kTypeInetService;
  }
  return kTypeIpv4;
}

// Concatenation members are padded to 4-byte registers.
uint32_t KeyLen(KeyType k) {
  switch (k) {
    case KeyType::kIpv4:
      return 4;
    case KeyType::kIpv6:
      return 16;
    case KeyType::kIpv4ProtoPort:
      return 4 + 4 + 4;
    case KeyType::kIpv6ProtoPort:
      return 16 + 4 + 4;
  }
  return 4;
}

int AddrLen(const schema::IpAddress& a) {
  return a.family == schema::IpFamily::kV4 ? 4 : 16;
}

std::vector<uint8_t> KeyBytes(const Set& set, const schema::IpAddress& a,
                              const SetElement& e) {
  std::vector<uint8_t> key(KeyLen(set.key), 0);
  std::memcpy(key.data(), a.bytes.data(), AddrLen(a));
  if (set.key == KeyType::kIpv4ProtoPort ||
      set.key == KeyType::kIpv6ProtoPort) {
    const int off = AddrLen(a);
    key[off] = static_cast<uint8_t>(e.protocol);
    key[off + 4] = static_cast<uint8_t>(e.port >> 8);
    key[off + 5] = static_cast<uint8_t>(e.port & 0xff);
  }
  return key;
}

uint16_t NfProto(TableFamily f) {
  switch (f) {
    case TableFamily::kInet:
      return NFPROTO_INET;
    case TableFamily::kNetdev:
      return NFPROTO_NETDEV;
    case TableFamily::kBridge:
      return NFPROTO_BRIDGE;
  }
  return NFPROTO_INET;
}

void AddTableMsg(NetlinkBatch& batch, uint16_t type, TableFamily family,
                 const std::string& what) {
  netlink::NftTable t(nftnl_table_alloc());
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTableName);
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NfProto(family));
  const uint16_t flags = type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0;
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(batch.Reserve(), type, NfProto(family),
                                        flags | NLM_F_ACK, batch.NextSeq());
  nftnl_table_nlmsg_build_payload(nlh, t.get());
  batch.Commit(nlh, what);
}

netlink::NftSet SetRef(const std::string& name, uint32_t id = 0) {
  netlink::NftSet s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  if (id != 0) nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
  return s;
}

void NewSet(const Set& set, uint32_t id, NetlinkBatch& batch,
            const std::string& what) {
  netlink::NftSet s = SetRef(set.name, id);
  uint32_t flags = 0;
  if (set.interval) flags |= NFT_SET_INTERVAL;
  if (set.verdict_map) flags |= NFT_SET_MAP;
  nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, flags);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, KeyTypeId(set.key));
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, KeyLen(set.key));
  if (set.verdict_map) {
    nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
  }
  nlmsghdr* nlh =
      nftnl_nlmsg_build_hdr(batch.Reserve(), NFT_MSG_NEWSET, NFPROTO_INET,
                            NLM_F_CREATE | NLM_F_ACK, batch.NextSeq());
  nftnl_set_nlmsg_build_payload(nlh, s.get());
  batch.Commit(nlh, what);
}

void AddElement(nftnl_set* s, const RawElement& raw) {
  nftnl_set_elem* e = nftnl_set_elem_alloc();
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, raw.key.data(), raw.key.size());
  if (raw.flags != 0) {
    nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, raw.flags);
  }
  if (!raw.jump.empty()) {
    nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NFT_JUMP);
    nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, raw.jump.c_str());
  }
  nftnl_set_elem_add(s, e);
}

void SetElements(const Set& set, const std::vector<SetElement>& elements,
                 bool remove, NetlinkBatch& batch) {
  const std::vector<RawElement> raw = RawElements(set, elements, remove);
  for (std::size_t start = 0; start < raw.size();
       start += kElementsPerMessage) {
    netlink::NftSet s = SetRef(set.name);
    const std::size_t end = std::min(raw.size(), start + kElementsPerMessage);
    for (std::size_t i = start; i < end; ++i) AddElement(s.get(), raw[i]);
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(
        batch.Reserve(), remove ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM,
        NFPROTO_INET, (remove ? 0 : NLM_F_CREATE) | NLM_F_ACK, batch.NextSeq());
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
    batch.Commit(nlh, absl::StrCat(remove ? "delete " : "add ", end - start,
                                   " element(s) ", remove ? "from" : "to",
                                   " set ", set.name));
  }
}

void SetMsg(NetlinkBatch& batch, uint16_t type, const std::string& name,
            const std::string& what) {
  netlink::NftSet s = SetRef(name);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(batch.Reserve(), type, NFPROTO_INET,
                                        NLM_F_ACK, batch.NextSeq());
  // DELSETELEM without elements flushes the set.
  if (type == NFT_MSG_DELSETELEM) {
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
  } else {
    nftnl_set_nlmsg_build_payload(nlh, s.get());
  }
  batch.Commit(nlh, what);
}

void ChainMsg(NetlinkBatch& batch, uint16_t type, nftnl_chain* c,
              uint16_t family, const std::string& what) {
  const uint16_t flags = type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0;
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(batch.Reserve(), type, family,
                                        flags | NLM_F_ACK, batch.NextSeq());
  nftnl_chain_nlmsg_build_payload(nlh, c);
  batch.Commit(nlh, what);
}

// A set definition (NEWSET) or its elements (NEWSETELEM, DELSETELEM).
void SetObjectMsg(NetlinkBatch& batch, uint16_t type, nftnl_set* s,
                  uint16_t family, uint16_t flags, const std::string& what) {
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(batch.Reserve(), type, family,
                                        flags | NLM_F_ACK, batch.NextSeq());
  if (type == NFT_MSG_NEWSET) {
    nftnl_set_nlmsg_build_payload(nlh, s);
  } else {
    nftnl_set_elems_nlmsg_build_payload(nlh, s);
  }
  batch.Commit(nlh, what);
}

netlink::NftChain InetChain(const std::string& name) {
  netlink::NftChain c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
  return c;
}

void NewChain(const Chain& chain, NetlinkBatch& batch,
              const std::string& what) {
  netlink::NftChain c = InetChain(chain.name);
  if (chain.base_forward) {
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, 0);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  }
  ChainMsg(batch, NFT_MSG_NEWCHAIN, c.get(), NFPROTO_INET, what);
}

void RuleMsg(NetlinkBatch& batch, nftnl_rule* r, uint16_t family,
             const std::string& what) {
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(
      batch.Reserve(), NFT_MSG_NEWRULE, family,
      NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK, batch.NextSeq());
  nftnl_rule_nlmsg_build_payload(nlh, r);
  batch.Commit(nlh, what);
}

// DELRULE naming only the chain deletes every rule in it.
void FlushChainMsg(NetlinkBatch& batch, const std::string& chain,
                   uint16_t family, const std::string& what) {
  netlink::NftRule r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, family);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(batch.Reserve(), NFT_MSG_DELRULE,
                                        family, NLM_F_ACK, batch.NextSeq());
  nftnl_rule_nlmsg_build_payload(nlh, r.get());
  batch.Commit(nlh, what);
}

schema::IpAddress ZeroOf(schema::IpFamily f) {
  schema::IpAddress z;
  z.family = f;
  return z;
}

}  // namespace

std::vector<RawElement> RawElements(const Set& set,
                                    const std::vector<SetElement>& elements,
                                    bool remove) {
  std::vector<RawElement> raw;
  if (elements.empty()) return raw;
  if (set.interval) {
    const schema::IpAddress zero = ZeroOf(elements.front().address.family);
    if (elements.front().address != zero) {
      raw.push_back({KeyBytes(set, zero, {}), NFT_SET_ELEM_INTERVAL_END, ""});
    }
    for (const SetElement& e : elements) {
      raw.push_back({KeyBytes(set, e.address, e), 0, ""});
      if (auto next = e.address_end.Next()) {
        raw.push_back({KeyBytes(set, *next, e), NFT_SET_ELEM_INTERVAL_END, ""});
      }
    }
  } else {
    for (const SetElement& e : elements) {
      raw.push_back({KeyBytes(set, e.address, e), 0,
                     remove ? std::string() : e.jump_chain});
    }
  }
  return raw;
}

void EncodeTransaction(const Transaction& tx, NetlinkBatch& batch) {
  uint32_t set_id = 1;  // Names a set within the batch that creates it.
  for (const Op& op : tx.ops) {
    const std::string what = Describe(op);
    switch (op.kind) {
      case Op::Kind::kAddTable:
        AddTableMsg(batch, NFT_MSG_NEWTABLE, op.family, what);
        break;
      case Op::Kind::kDeleteTable:
        AddTableMsg(batch, NFT_MSG_DELTABLE, op.family, what);
        break;
      case Op::Kind::kAddSet:
        NewSet(*op.set, set_id++, batch, what);
        break;
      case Op::Kind::kAddElements:
      case Op::Kind::kDeleteElements:
        SetElements(*op.set, *op.elements, op.kind == Op::Kind::kDeleteElements,
                    batch);
        break;
      case Op::Kind::kFlushSet:
        SetMsg(batch, NFT_MSG_DELSETELEM, op.name, what);
        break;
      case Op::Kind::kDeleteSet:
        SetMsg(batch, NFT_MSG_DELSET, op.name, what);
        break;
      case Op::Kind::kAddChain:
        NewChain(*op.chain, batch, what);
        break;
      case Op::Kind::kAddRules:
        for (std::size_t i = 0; i < op.chain->rules.size(); ++i) {
          const Rule& rule = op.chain->rules[i];
          netlink::NftRule r = BuildRule(op.chain->name, rule);
          RuleMsg(batch, r.get(), NFPROTO_INET,
                  absl::StrCat(
                      "add rule ", i, " to chain ", op.chain->name,
                      rule.comment.empty() ? "" : " (" + rule.comment + ")"));
        }
        break;
      case Op::Kind::kFlushChain:
        FlushChainMsg(batch, op.name, NFPROTO_INET, what);
        break;
      case Op::Kind::kDeleteChain: {
        netlink::NftChain c = InetChain(op.name);
        ChainMsg(batch, NFT_MSG_DELCHAIN, c.get(), NFPROTO_INET, what);
        break;
      }
      case Op::Kind::kAddGuardBase:
        AddTableMsg(batch, NFT_MSG_NEWTABLE, TableFamily::kNetdev, what);
        AddTableMsg(batch, NFT_MSG_NEWTABLE, TableFamily::kBridge, what);
        for (uint16_t family : kAfterTcFamilies) {
          const std::string table =
              family == NFPROTO_BRIDGE ? " (bridge)" : " (inet)";
          netlink::NftSet map = BuildGuardMap(family);
          nftnl_set_set_u32(map.get(), NFTNL_SET_ID, set_id++);
          SetObjectMsg(batch, NFT_MSG_NEWSET, map.get(), family, NLM_F_CREATE,
                       "add map guard_devices" + table);
          netlink::NftChain base = BuildGuardBaseChain(family, true);
          ChainMsg(batch, NFT_MSG_NEWCHAIN, base.get(), family,
                   "add chain prerouting" + table);
          FlushChainMsg(batch, kGuardBaseChain, family,
                        "flush chain prerouting" + table);
          netlink::NftRule dispatch = BuildGuardDispatchRule(family);
          RuleMsg(batch, dispatch.get(), family,
                  "add the rule of chain prerouting" + table);
        }
        break;
      case Op::Kind::kAddGuard: {
        const std::string& device = op.guard->device;
        netlink::NftChain guard = BuildGuardChain(device, true);
        ChainMsg(batch, NFT_MSG_NEWCHAIN, guard.get(), NFPROTO_NETDEV, what);
        netlink::NftChain deliver = BuildDeliverChain(device, true);
        ChainMsg(batch, NFT_MSG_NEWCHAIN, deliver.get(), NFPROTO_NETDEV,
                 "add delivery chain on " + device);
        for (uint16_t family : kAfterTcFamilies) {
          netlink::NftChain late = BuildAfterTcGuardChain(family, device);
          ChainMsg(batch, NFT_MSG_NEWCHAIN, late.get(), family,
                   "add anti-spoofing chain after tc on " + device);
          netlink::NftSet entry = BuildGuardMapElement(family, device, true);
          SetObjectMsg(batch, NFT_MSG_NEWSETELEM, entry.get(), family,
                       NLM_F_CREATE, "add the map entry of " + device);
        }
        break;
      }
      case Op::Kind::kAddGuardRules:
        for (netlink::NftRule& r : BuildGuardRules(*op.guard)) {
          RuleMsg(batch, r.get(), NFPROTO_NETDEV,
                  "add anti-spoofing rule on " + op.guard->device);
        }
        for (netlink::NftRule& r : BuildDeliverRules(*op.guard)) {
          RuleMsg(batch, r.get(), NFPROTO_NETDEV,
                  "add delivery rule on " + op.guard->device);
        }
        for (uint16_t family : kAfterTcFamilies) {
          for (netlink::NftRule& r :
               BuildAfterTcGuardRules(family, *op.guard)) {
            RuleMsg(batch, r.get(), family,
                    "add anti-spoofing rule after tc on " + op.guard->device);
          }
        }
        break;
      case Op::Kind::kFlushGuard:
        FlushChainMsg(batch, GuardChainName(op.name), NFPROTO_NETDEV, what);
        FlushChainMsg(batch, DeliverChainName(op.name), NFPROTO_NETDEV, what);
        for (uint16_t family : kAfterTcFamilies) {
          FlushChainMsg(batch, GuardChainName(op.name), family, what);
        }
        break;
      case Op::Kind::kDeleteGuard: {
        netlink::NftChain guard = BuildGuardChain(op.name, false);
        ChainMsg(batch, NFT_MSG_DELCHAIN, guard.get(), NFPROTO_NETDEV, what);
        netlink::NftChain deliver = BuildDeliverChain(op.name, false);
        ChainMsg(batch, NFT_MSG_DELCHAIN, deliver.get(), NFPROTO_NETDEV, what);
        for (uint16_t family : kAfterTcFamilies) {
          netlink::NftSet entry = BuildGuardMapElement(family, op.name, false);
          SetObjectMsg(batch, NFT_MSG_DELSETELEM, entry.get(), family, 0, what);
          netlink::NftChain late = BuildAfterTcGuardChain(family, op.name);
          ChainMsg(batch, NFT_MSG_DELCHAIN, late.get(), family, what);
        }
        break;
      }
    }
  }
}

}  // namespace podwall::nft
