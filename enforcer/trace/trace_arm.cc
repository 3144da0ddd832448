#include "enforcer/trace/trace_arm.h"

#include <arpa/inet.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "enforcer/netlink/handles.h"
#include "enforcer/nft/expressions.h"
#include "enforcer/nft/ruleset.h"
#include "enforcer/trace/trace_event.h"

namespace podwall::trace {
namespace {

netlink::NftChain TraceChain(uint16_t family) {
  netlink::NftChain c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, nft::kTableName);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, kTraceChain);
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, family);
  return c;
}

// "netdev chain trace_arm", for the batch's error messages.
std::string Where(uint16_t family) {
  return absl::StrCat(family == NFPROTO_NETDEV ? "netdev" : "inet", " chain ",
                      kTraceChain);
}

void Message(nft::NetlinkBatch& batch, uint16_t type, uint16_t family,
             uint16_t flags, const std::function<void(nlmsghdr*)>& payload,
             std::string what) {
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(batch.Reserve(), type, family,
                                        flags | NLM_F_ACK, batch.NextSeq());
  payload(nlh);
  batch.Commit(nlh, std::move(what));
}

// meta nftrace set 1 (an immediate into register 1, then meta set).
void SetNftrace(nftnl_rule* r) {
  nftnl_expr* imm = nftnl_expr_alloc("immediate");
  nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
  const uint8_t one = 1;
  nftnl_expr_set(imm, NFTNL_EXPR_IMM_DATA, &one, sizeof(one));
  nftnl_rule_add_expr(r, imm);
  nftnl_expr* meta = nftnl_expr_alloc("meta");
  nftnl_expr_set_u32(meta, NFTNL_EXPR_META_KEY, NFT_META_NFTRACE);
  nftnl_expr_set_u32(meta, NFTNL_EXPR_META_SREG, NFT_REG_1);
  nftnl_rule_add_expr(r, meta);
}

netlink::NftRule ArmRule(uint16_t family, const TraceTarget& t,
                         const schema::IpAddress& src) {
  netlink::NftRule r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, nft::kTableName);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, kTraceChain);
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, family);
  const bool v4 = src.family == schema::IpFamily::kV4;
  if (family == NFPROTO_NETDEV) {
    const uint16_t proto = htons(v4 ? ETH_P_IP : ETH_P_IPV6);
    nft::AddMeta(r.get(), NFT_META_PROTOCOL, NFT_REG_1);
    nft::AddCmp(r.get(), NFT_CMP_EQ, &proto, sizeof(proto));
  } else {
    const uint8_t proto = v4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
    nft::AddMeta(r.get(), NFT_META_NFPROTO, NFT_REG_1);
    nft::AddCmp(r.get(), NFT_CMP_EQ, &proto, sizeof(proto));
  }
  const uint32_t len = v4 ? 4 : 16;
  nft::AddPayload(r.get(), NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, len,
                  NFT_REG_1);
  nft::AddCmp(r.get(), NFT_CMP_EQ, src.bytes.data(), len);
  nft::AddPayload(r.get(), NFT_PAYLOAD_NETWORK_HEADER, v4 ? 16 : 24, len,
                  NFT_REG_1);
  nft::AddCmp(r.get(), NFT_CMP_EQ, t.dst.bytes.data(), len);
  const uint8_t l4 = IpProtocolOf(t.protocol);
  nft::AddMeta(r.get(), NFT_META_L4PROTO, NFT_REG_1);
  nft::AddCmp(r.get(), NFT_CMP_EQ, &l4, sizeof(l4));
  const uint16_t port = htons(t.port);
  nft::AddPayload(r.get(), NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
  nft::AddCmp(r.get(), NFT_CMP_EQ, &port, sizeof(port));
  if (t.protocol == ir::Protocol::kTCP) {
    // tcp flags & (syn | ack) == syn: a connection's first packet.
    const uint8_t mask = 0x12, zero = 0, syn = 0x02;
    nft::AddPayload(r.get(), NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1);
    nft::AddBitwise(r.get(), 1, &mask, &zero);
    nft::AddCmp(r.get(), NFT_CMP_EQ, &syn, sizeof(syn));
  }
  // However many such packets come (a flood from the source), the kernel
  // traces a few per second: the trace needs one.
  nft::AddPacketLimit(r.get(), kTracedPacketsPerSecond,
                      kTracedPacketsPerSecond);
  SetNftrace(r.get());
  return r;
}

void ArmIn(uint16_t family, uint32_t hook,
           const std::vector<std::string>& devices, const TraceTarget& t,
           nft::NetlinkBatch& batch) {
  netlink::NftChain c = TraceChain(family);
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, hook);
  nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, kTracePriority);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  std::vector<const char*> names;
  for (const std::string& d : devices) names.push_back(d.c_str());
  names.push_back(nullptr);
  if (devices.size() == 1) {
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_DEV, devices[0].c_str());
  } else if (!devices.empty()) {
    nftnl_chain_set_array(c.get(), NFTNL_CHAIN_DEVICES, names.data());
  }
  const std::string where = Where(family);
  Message(
      batch, NFT_MSG_NEWCHAIN, family, NLM_F_CREATE,
      [&](nlmsghdr* nlh) { nftnl_chain_nlmsg_build_payload(nlh, c.get()); },
      "add " + where);
  for (const schema::IpAddress& src : t.sources) {
    netlink::NftRule r = ArmRule(family, t, src);
    Message(
        batch, NFT_MSG_NEWRULE, family, NLM_F_CREATE | NLM_F_APPEND,
        [&](nlmsghdr* nlh) { nftnl_rule_nlmsg_build_payload(nlh, r.get()); },
        "add a trace rule to " + where);
  }
}

}  // namespace

void EncodeArm(const TraceTarget& target, nft::NetlinkBatch& batch) {
  if (!target.source_devices.empty()) {
    ArmIn(NFPROTO_NETDEV, NF_NETDEV_INGRESS, target.source_devices, target,
          batch);
  }
  ArmIn(NFPROTO_INET, NF_INET_PRE_ROUTING, {}, target, batch);
}

void EncodeDisarm(uint16_t family, nft::NetlinkBatch& batch) {
  const std::string where = Where(family);
  netlink::NftRule flush(nftnl_rule_alloc());
  nftnl_rule_set_str(flush.get(), NFTNL_RULE_TABLE, nft::kTableName);
  nftnl_rule_set_str(flush.get(), NFTNL_RULE_CHAIN, kTraceChain);
  nftnl_rule_set_u32(flush.get(), NFTNL_RULE_FAMILY, family);
  Message(
      batch, NFT_MSG_DELRULE, family, 0,
      [&](nlmsghdr* nlh) { nftnl_rule_nlmsg_build_payload(nlh, flush.get()); },
      "flush " + where);
  netlink::NftChain c = TraceChain(family);
  Message(
      batch, NFT_MSG_DELCHAIN, family, 0,
      [&](nlmsghdr* nlh) { nftnl_chain_nlmsg_build_payload(nlh, c.get()); },
      "delete " + where);
}

}  // namespace podwall::trace
