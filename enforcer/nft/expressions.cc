#include "enforcer/nft/expressions.h"

#include <arpa/inet.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>

namespace podwall::nft {

void AddMeta(nftnl_rule* r, uint32_t key, uint32_t dreg) {
  nftnl_expr* e = nftnl_expr_alloc("meta");
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
  nftnl_rule_add_expr(r, e);
}

void AddCmp(nftnl_rule* r, uint32_t op, const void* data, uint32_t len) {
  nftnl_expr* e = nftnl_expr_alloc("cmp");
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
  nftnl_rule_add_expr(r, e);
}

void AddPayload(nftnl_rule* r, uint32_t base, uint32_t offset, uint32_t len,
                uint32_t dreg) {
  nftnl_expr* e = nftnl_expr_alloc("payload");
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
  nftnl_rule_add_expr(r, e);
}

void AddBitwise(nftnl_rule* r, uint32_t len, const void* mask,
                const void* xor_value) {
  nftnl_expr* e = nftnl_expr_alloc("bitwise");
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor_value, len);
  nftnl_rule_add_expr(r, e);
}

void AddPacketLimit(nftnl_rule* r, uint64_t per_second, uint32_t burst) {
  nftnl_expr* limit = nftnl_expr_alloc("limit");
  nftnl_expr_set_u64(limit, NFTNL_EXPR_LIMIT_RATE, per_second);
  nftnl_expr_set_u64(limit, NFTNL_EXPR_LIMIT_UNIT, 1);
  nftnl_expr_set_u32(limit, NFTNL_EXPR_LIMIT_BURST, burst);
  nftnl_expr_set_u32(limit, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
  nftnl_expr_set_u32(limit, NFTNL_EXPR_LIMIT_FLAGS, 0);
  nftnl_rule_add_expr(r, limit);
}

void AddCounter(nftnl_rule* r) {
  nftnl_rule_add_expr(r, nftnl_expr_alloc("counter"));
}

void AddVerdict(nftnl_rule* r, int verdict) {
  nftnl_expr* e = nftnl_expr_alloc("immediate");
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(verdict));
  nftnl_rule_add_expr(r, e);
}

void SetRuleComment(nftnl_rule* r, const std::string& comment) {
  netlink::NftUdata udata(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
  nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_RULE_COMMENT, comment.c_str());
  nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(udata.get()),
                      nftnl_udata_buf_len(udata.get()));
}

void AddLookup(nftnl_rule* r, const std::string& set, bool verdict_map,
               bool inverted) {
  nftnl_expr* e = nftnl_expr_alloc("lookup");
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
  nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.c_str());
  // The kernel reports flags on read-back; setting them makes the rule we
  // build compare equal to the rule it holds (drift detection).
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS,
                     inverted ? NFT_LOOKUP_F_INV : 0);
  if (verdict_map) {
    nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
  }
  nftnl_rule_add_expr(r, e);
}

namespace {

// ct state & mask != 0.
void CtStateAny(nftnl_rule* r, uint32_t mask) {
  nftnl_expr* ct = nftnl_expr_alloc("ct");
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
  nftnl_rule_add_expr(r, ct);
  const uint32_t zero = 0;
  AddBitwise(r, sizeof(uint32_t), &mask, &zero);
  AddCmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
}

// The address field itself (the family already checked).
void LoadField(nftnl_rule* r, schema::IpFamily family, AddressField field,
               uint32_t dreg) {
  uint32_t offset;
  uint32_t len;
  if (family == schema::IpFamily::kV4) {
    len = 4;
    offset = field == AddressField::kSource ? 12 : 16;
  } else {
    len = 16;
    offset = field == AddressField::kSource ? 8 : 24;
  }
  AddPayload(r, NFT_PAYLOAD_NETWORK_HEADER, offset, len, dreg);
}

// "ip saddr" etc. in an inet table: a family check, then the field.
void LoadAddress(nftnl_rule* r, schema::IpFamily family, AddressField field,
                 uint32_t dreg) {
  const uint8_t nfproto =
      family == schema::IpFamily::kV4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
  AddMeta(r, NFT_META_NFPROTO, NFT_REG_1);
  AddCmp(r, NFT_CMP_EQ, &nfproto, 1);
  LoadField(r, family, field, dreg);
}

void CtMark(nftnl_rule* r, bool set) {
  nftnl_expr* ct = nftnl_expr_alloc("ct");
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
  nftnl_expr_set_u32(ct, set ? NFTNL_EXPR_CT_SREG : NFTNL_EXPR_CT_DREG,
                     NFT_REG_1);
  nftnl_rule_add_expr(r, ct);
}

// limit rate R/second burst R packets; counter; log prefix P group G.
void RateLimitedLog(nftnl_rule* r, const LogAction& log) {
  AddPacketLimit(r, log.rate_per_second, log.rate_per_second);
  AddCounter(r);
  nftnl_expr* e = nftnl_expr_alloc("log");
  nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, log.prefix.c_str());
  nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, log.group);
  // The kernel reports a zero queue threshold on read-back; snaplen stays
  // unset (whole packet), as nft leaves it.
  nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_QTHRESHOLD, 0);
  nftnl_rule_add_expr(r, e);
}

void EncodeRuleExprs(const Rule& rule, nftnl_rule* r) {
  switch (rule.kind) {
    case Rule::Kind::kCtEstablishedAccept:
      CtStateAny(r, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
                        NF_CT_STATE_BIT(IP_CT_RELATED));
      AddVerdict(r, NF_ACCEPT);
      return;
    case Rule::Kind::kCtInvalidDrop:
      CtStateAny(r, NF_CT_STATE_INVALID_BIT);
      AddVerdict(r, NF_DROP);
      return;
    case Rule::Kind::kNeighborDiscoveryAccept: {
      const uint8_t nfproto = NFPROTO_IPV6;
      const uint8_t icmpv6 = IPPROTO_ICMPV6;
      // Neighbour solicitation and advertisement only: pods are not
      // routers, so router messages and redirects between them are not
      // infrastructure (the guards drop those a pod sends).
      const uint8_t first = 135;
      const uint8_t last = 136;
      AddMeta(r, NFT_META_NFPROTO, NFT_REG_1);
      AddCmp(r, NFT_CMP_EQ, &nfproto, 1);
      AddMeta(r, NFT_META_L4PROTO, NFT_REG_1);
      AddCmp(r, NFT_CMP_EQ, &icmpv6, 1);
      AddPayload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
      AddCmp(r, NFT_CMP_GTE, &first, 1);
      AddCmp(r, NFT_CMP_LTE, &last, 1);
      AddVerdict(r, NF_ACCEPT);
      return;
    }
    case Rule::Kind::kVmap:
      LoadAddress(r, rule.family, rule.field, NFT_REG_1);
      AddLookup(r, rule.set, /*verdict_map=*/true);
      return;
    case Rule::Kind::kMatch:
      break;
  }
  if (!rule.set.empty()) {
    LoadAddress(r, rule.family, rule.field, NFT_REG_1);
    if (rule.tuple) {
      // addr . l4proto . dport in consecutive 32-bit registers, as nft
      // lays them out: after 4 address bytes (reg 1 = reg32 8) or 16.
      const bool v4 = rule.family == schema::IpFamily::kV4;
      AddMeta(r, NFT_META_L4PROTO, v4 ? NFT_REG32_01 : NFT_REG_2);
      AddPayload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
                 v4 ? NFT_REG32_02 : NFT_REG32_05);
    }
    AddLookup(r, rule.set, /*verdict_map=*/false);
    if (!rule.unless_set.empty()) {
      LoadField(r, rule.family, rule.field, NFT_REG_1);
      AddLookup(r, rule.unless_set, /*verdict_map=*/false, /*inverted=*/true);
    }
  }
  if (rule.protocol) {
    const uint8_t proto = static_cast<uint8_t>(*rule.protocol);
    AddMeta(r, NFT_META_L4PROTO, NFT_REG_1);
    AddCmp(r, NFT_CMP_EQ, &proto, 1);
  }
  if (rule.dport) {
    AddPayload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
    const uint16_t first = htons(rule.dport->first);
    const uint16_t last = htons(rule.dport->second);
    if (rule.dport->first == rule.dport->second) {
      AddCmp(r, NFT_CMP_EQ, &first, 2);
    } else {
      AddCmp(r, NFT_CMP_GTE, &first, 2);
      AddCmp(r, NFT_CMP_LTE, &last, 2);
    }
  }
  if (rule.ct_mark_unset) {
    CtMark(r, /*set=*/false);
    const uint32_t mask = *rule.ct_mark_unset;
    const uint32_t zero = 0;
    AddBitwise(r, sizeof(uint32_t), &mask, &zero);
    AddCmp(r, NFT_CMP_EQ, &zero, sizeof(zero));
  }
  if (rule.set_ct_mark) {
    CtMark(r, /*set=*/false);
    const uint32_t mask = rule.set_ct_mark->first;
    const uint32_t value = rule.set_ct_mark->second;
    AddBitwise(r, sizeof(uint32_t), &mask, &value);
    CtMark(r, /*set=*/true);
  }
  if (rule.counter) AddCounter(r);
  if (rule.log) RateLimitedLog(r, *rule.log);
  if (rule.verdict == Verdict::kContinue) return;
  if (rule.verdict == Verdict::kGoto) {
    nftnl_expr* e = nftnl_expr_alloc("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT,
                       static_cast<uint32_t>(NFT_GOTO));
    nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, rule.goto_chain.c_str());
    nftnl_rule_add_expr(r, e);
    return;
  }
  AddVerdict(r, rule.verdict == Verdict::kAccept ? NF_ACCEPT
                : rule.verdict == Verdict::kDrop ? NF_DROP
                                                 : NFT_RETURN);
}

}  // namespace

netlink::NftRule BuildRule(const std::string& chain, const Rule& rule) {
  netlink::NftRule r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  EncodeRuleExprs(rule, r.get());
  if (!rule.comment.empty()) SetRuleComment(r.get(), rule.comment);
  return r;
}

}  // namespace podwall::nft
