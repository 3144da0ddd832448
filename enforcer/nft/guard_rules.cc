#include "enforcer/nft/guard_rules.h"

#include <arpa/inet.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "enforcer/nft/expressions.h"

namespace podwall::nft {
namespace {

netlink::NftRule GuardRule(const SpoofGuard& g, uint16_t ethertype,
                           const schema::IpAddress* addr, bool link_local,
                           int verdict, const std::string& comment) {
  netlink::NftRule r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  const std::string chain = GuardChainName(g.device);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_NETDEV);
  const uint16_t proto = htons(ethertype);
  AddMeta(r.get(), NFT_META_PROTOCOL, NFT_REG_1);
  AddCmp(r.get(), NFT_CMP_EQ, &proto, sizeof(proto));
  if (addr || link_local) {
    const bool v4 = ethertype == ETH_P_IP;
    AddPayload(r.get(), NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, v4 ? 4 : 16,
               NFT_REG_1);
    if (link_local) {
      // ip6 saddr fe80::/10, as nft encodes a prefix: mask, then compare.
      const uint8_t mask[16] = {0xff, 0xc0};
      const uint8_t zero[16] = {};
      const uint8_t want[16] = {0xfe, 0x80};
      AddBitwise(r.get(), 16, mask, zero);
      AddCmp(r.get(), NFT_CMP_EQ, want, 16);
    } else {
      AddCmp(r.get(), NFT_CMP_EQ, addr->bytes.data(), v4 ? 4 : 16);
    }
  } else {
    AddCounter(r.get());
  }
  AddVerdict(r.get(), verdict);
  if (!comment.empty()) SetRuleComment(r.get(), comment);
  return r;
}

schema::IpAddress Unspecified6() {
  schema::IpAddress z;
  z.family = schema::IpFamily::kV6;
  return z;
}

}  // namespace

std::string GuardChainName(const std::string& device) {
  return kGuardChainPrefix + device;
}

netlink::NftChain BuildGuardChain(const std::string& device, bool hooked) {
  netlink::NftChain c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  const std::string name = GuardChainName(device);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_NETDEV);
  if (hooked) {
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, NF_NETDEV_INGRESS);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, -500);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_DEV, device.c_str());
  }
  return c;
}

std::vector<netlink::NftRule> BuildGuardRules(const SpoofGuard& g) {
  std::vector<netlink::NftRule> rules;
  for (const auto& a : g.addresses) {
    if (a.family == schema::IpFamily::kV4) {
      rules.push_back(GuardRule(g, ETH_P_IP, &a, false, NF_ACCEPT, ""));
    }
  }
  rules.push_back(GuardRule(g, ETH_P_IPV6, nullptr, true, NF_ACCEPT, ""));
  const schema::IpAddress unspecified = Unspecified6();
  rules.push_back(GuardRule(g, ETH_P_IPV6, &unspecified, false, NF_ACCEPT, ""));
  for (const auto& a : g.addresses) {
    if (a.family == schema::IpFamily::kV6) {
      rules.push_back(GuardRule(g, ETH_P_IPV6, &a, false, NF_ACCEPT, ""));
    }
  }
  const std::string comment = "spoofed source from " + g.endpoint;
  rules.push_back(GuardRule(g, ETH_P_IP, nullptr, false, NF_DROP, comment));
  rules.push_back(GuardRule(g, ETH_P_IPV6, nullptr, false, NF_DROP, comment));
  return rules;
}

}  // namespace podwall::nft
