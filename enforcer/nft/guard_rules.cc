#include "enforcer/nft/guard_rules.h"

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "enforcer/nft/expressions.h"
#include "enforcer/nft/guard_statements.h"

namespace podwall::nft {
namespace {

netlink::NftRule StatementRule(const std::string& chain,
                               const GuardStatement& s) {
  netlink::NftRule r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_NETDEV);
  for (const GuardMatch& m : s.matches) {
    switch (m.load) {
      case GuardMatch::Load::kProtocol:
        AddMeta(r.get(), NFT_META_PROTOCOL, NFT_REG_1);
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

netlink::NftChain DeviceChain(const std::string& name,
                              const std::string& device, bool hooked,
                              uint32_t hook) {
  netlink::NftChain c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_NETDEV);
  if (hooked) {
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, hook);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, -500);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_DEV, device.c_str());
  }
  return c;
}

std::vector<netlink::NftRule> Rules(const std::string& chain,
                                    const std::vector<GuardStatement>& list) {
  std::vector<netlink::NftRule> rules;
  rules.reserve(list.size());
  for (const GuardStatement& s : list) {
    rules.push_back(StatementRule(chain, s));
  }
  return rules;
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
  return Rules(GuardChainName(g.device), GuardStatements(g));
}

std::vector<netlink::NftRule> BuildDeliverRules(const SpoofGuard& g) {
  return Rules(DeliverChainName(g.device), DeliverStatements(g));
}

}  // namespace podwall::nft
