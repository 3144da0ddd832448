#include "enforcer/nft/guard_rules.h"

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>

#include "enforcer/nft/expressions.h"
#include "enforcer/nft/guard_statements.h"

namespace podwall::nft {
namespace {

static_assert(kAfterTcFamilies[0] == NFPROTO_BRIDGE &&
              kAfterTcFamilies[1] == NFPROTO_INET);

// nft's datatype number of ifname (src/datatype.h), so that `nft list`
// prints the map's keys as names.
constexpr uint32_t kTypeIfname = 41;
// nft's BYTEORDER_HOST_ENDIAN (src/datatype.h).
constexpr uint32_t kByteOrderHost = 1;

netlink::NftRule RuleOf(uint16_t family, const std::string& chain) {
  netlink::NftRule r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, family);
  return r;
}

netlink::NftRule StatementRule(uint16_t family, const std::string& chain,
                               const GuardStatement& s) {
  netlink::NftRule r = RuleOf(family, chain);
  for (const GuardMatch& m : s.matches) {
    switch (m.load) {
      case GuardMatch::Load::kProtocol:
        AddMeta(r.get(), NFT_META_PROTOCOL, NFT_REG_1);
        break;
      case GuardMatch::Load::kNfproto:
        AddMeta(r.get(), NFT_META_NFPROTO, NFT_REG_1);
        break;
      case GuardMatch::Load::kL4Proto:
        AddMeta(r.get(), NFT_META_L4PROTO, NFT_REG_1);
        break;
      case GuardMatch::Load::kLinkLayer:
        AddPayload(r.get(), NFT_PAYLOAD_LL_HEADER, m.offset, m.length,
                   NFT_REG_1);
        break;
      case GuardMatch::Load::kNetwork:
        AddPayload(r.get(), NFT_PAYLOAD_NETWORK_HEADER, m.offset, m.length,
                   NFT_REG_1);
        break;
      case GuardMatch::Load::kTransport:
        AddPayload(r.get(), NFT_PAYLOAD_TRANSPORT_HEADER, m.offset, m.length,
                   NFT_REG_1);
        break;
    }
    if (!m.mask.empty()) {
      const std::vector<uint8_t> zero(m.length, 0);
      AddBitwise(r.get(), m.length, m.mask.data(), zero.data());
    }
    // Not equal to every value: the conjunction of one compare each.
    for (const std::vector<uint8_t>& v : m.values) {
      AddCmp(r.get(), m.negate ? NFT_CMP_NEQ : NFT_CMP_EQ, v.data(), m.length);
      if (!m.negate) break;
    }
  }
  if (s.counter) AddCounter(r.get());
  AddVerdict(r.get(), s.accept ? NF_ACCEPT : NF_DROP);
  if (!s.comment.empty()) SetRuleComment(r.get(), s.comment);
  return r;
}

netlink::NftChain ChainOf(uint16_t family, const std::string& name) {
  netlink::NftChain c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, family);
  return c;
}

void Hook(nftnl_chain* c, uint32_t hook) {
  nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
  nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, -500);
  nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
  nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
}

netlink::NftChain DeviceChain(const std::string& name,
                              const std::string& device, bool hooked,
                              uint32_t hook) {
  netlink::NftChain c = ChainOf(NFPROTO_NETDEV, name);
  if (hooked) {
    Hook(c.get(), hook);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_DEV, device.c_str());
  }
  return c;
}

std::vector<netlink::NftRule> Rules(uint16_t family, const std::string& chain,
                                    const std::vector<GuardStatement>& list) {
  std::vector<netlink::NftRule> rules;
  rules.reserve(list.size());
  for (const GuardStatement& s : list) {
    rules.push_back(StatementRule(family, chain, s));
  }
  return rules;
}

// An interface name as nft keys it: IFNAMSIZ bytes, zero-padded.
std::vector<char> IfnameKey(const std::string& device) {
  std::vector<char> key(IFNAMSIZ, 0);
  std::memcpy(key.data(), device.data(),
              std::min<std::size_t>(device.size(), IFNAMSIZ - 1));
  return key;
}

netlink::NftSet GuardMapRef(uint16_t family) {
  netlink::NftSet s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, kGuardMapName);
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, family);
  return s;
}

}  // namespace

std::string GuardChainName(const std::string& device) {
  return kGuardChainPrefix + device;
}

std::string DeliverChainName(const std::string& device) {
  return kDeliverChainPrefix + device;
}

netlink::NftChain BuildGuardChain(const std::string& device, bool hooked) {
  return DeviceChain(GuardChainName(device), device, hooked, NF_NETDEV_INGRESS);
}

netlink::NftChain BuildDeliverChain(const std::string& device, bool hooked) {
  return DeviceChain(DeliverChainName(device), device, hooked,
                     NF_NETDEV_EGRESS);
}

std::vector<netlink::NftRule> BuildGuardRules(const SpoofGuard& g) {
  return Rules(NFPROTO_NETDEV, GuardChainName(g.device), GuardStatements(g));
}

std::vector<netlink::NftRule> BuildDeliverRules(const SpoofGuard& g) {
  return Rules(NFPROTO_NETDEV, DeliverChainName(g.device),
               DeliverStatements(g));
}

netlink::NftChain BuildGuardBaseChain(uint16_t family, bool hooked) {
  netlink::NftChain c = ChainOf(family, kGuardBaseChain);
  // NF_INET_PRE_ROUTING and NF_BR_PRE_ROUTING are both 0.
  if (hooked) Hook(c.get(), NF_INET_PRE_ROUTING);
  return c;
}

netlink::NftRule BuildGuardDispatchRule(uint16_t family) {
  netlink::NftRule r = RuleOf(family, kGuardBaseChain);
  AddMeta(r.get(), NFT_META_IIFNAME, NFT_REG_1);
  AddLookup(r.get(), kGuardMapName, /*verdict_map=*/true);
  return r;
}

netlink::NftSet BuildGuardMap(uint16_t family) {
  netlink::NftSet s = GuardMapRef(family);
  nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, NFT_SET_MAP);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, kTypeIfname);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, IFNAMSIZ);
  nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
  // Names are strings in host order: without saying so, nft(8) reads the
  // keys as big-endian numbers and prints them empty.
  netlink::NftUdata udata(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
  nftnl_udata_put_u32(udata.get(), NFTNL_UDATA_SET_KEYBYTEORDER,
                      kByteOrderHost);
  nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA,
                     nftnl_udata_buf_data(udata.get()),
                     nftnl_udata_buf_len(udata.get()));
  return s;
}

netlink::NftSet BuildGuardMapElement(uint16_t family, const std::string& device,
                                     bool jump) {
  netlink::NftSet s = GuardMapRef(family);
  nftnl_set_elem* e = nftnl_set_elem_alloc();
  const std::vector<char> key = IfnameKey(device);
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key.data(), key.size());
  if (jump) {
    nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NFT_JUMP);
    nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN,
                           GuardChainName(device).c_str());
  }
  nftnl_set_elem_add(s.get(), e);
  return s;
}

netlink::NftChain BuildAfterTcGuardChain(uint16_t family,
                                         const std::string& device) {
  return ChainOf(family, GuardChainName(device));
}

std::vector<netlink::NftRule> BuildAfterTcGuardRules(uint16_t family,
                                                     const SpoofGuard& g) {
  return Rules(
      family, GuardChainName(g.device),
      family == NFPROTO_INET ? IpGuardStatements(g) : GuardStatements(g));
}

}  // namespace podwall::nft
