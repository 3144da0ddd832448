#include "enforcer/nft/netlink_batch.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace podwall::nft {
namespace {

// RAII for libnftnl objects.
struct TableDeleter {
  void operator()(nftnl_table* t) const { nftnl_table_free(t); }
};
struct ChainDeleter {
  void operator()(nftnl_chain* c) const { nftnl_chain_free(c); }
};
struct SetDeleter {
  void operator()(nftnl_set* s) const { nftnl_set_free(s); }
};
struct RuleDeleter {
  void operator()(nftnl_rule* r) const { nftnl_rule_free(r); }
};
struct UdataDeleter {
  void operator()(nftnl_udata_buf* b) const { nftnl_udata_buf_free(b); }
};
using TablePtr = std::unique_ptr<nftnl_table, TableDeleter>;
using ChainPtr = std::unique_ptr<nftnl_chain, ChainDeleter>;
using SetPtr = std::unique_ptr<nftnl_set, SetDeleter>;
using RulePtr = std::unique_ptr<nftnl_rule, RuleDeleter>;
using UdataPtr = std::unique_ptr<nftnl_udata_buf, UdataDeleter>;

constexpr std::size_t kMaxMessage = 256 * 1024;
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

struct RawElement {
  std::vector<uint8_t> key;
  uint32_t flags = 0;
  std::string jump;
};

schema::IpAddress ZeroOf(schema::IpFamily f) {
  schema::IpAddress z;
  z.family = f;
  return z;
}

// --- expressions -------------------------------------------------------------

void AddExpr(nftnl_rule* r, nftnl_expr* e) { nftnl_rule_add_expr(r, e); }

void Meta(nftnl_rule* r, uint32_t key, uint32_t dreg) {
  nftnl_expr* e = nftnl_expr_alloc("meta");
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
  AddExpr(r, e);
}

void Cmp(nftnl_rule* r, uint32_t op, const void* data, uint32_t len) {
  nftnl_expr* e = nftnl_expr_alloc("cmp");
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
  AddExpr(r, e);
}

void Payload(nftnl_rule* r, uint32_t base, uint32_t offset, uint32_t len,
             uint32_t dreg) {
  nftnl_expr* e = nftnl_expr_alloc("payload");
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
  AddExpr(r, e);
}

void Lookup(nftnl_rule* r, const std::string& set, bool verdict_map,
            bool inverted = false) {
  nftnl_expr* e = nftnl_expr_alloc("lookup");
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
  nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.c_str());
  // The kernel reports flags on read-back; setting them makes the rule we
  // build compare equal to the rule it holds (drift detection).
  nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS,
                     inverted ? NFT_LOOKUP_F_INV : 0);
  if (verdict_map)
    nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
  AddExpr(r, e);
}

void Verdict(nftnl_rule* r, int verdict) {
  nftnl_expr* e = nftnl_expr_alloc("immediate");
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(verdict));
  AddExpr(r, e);
}

void CtStateAny(nftnl_rule* r, uint32_t mask) {
  nftnl_expr* ct = nftnl_expr_alloc("ct");
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
  AddExpr(r, ct);
  nftnl_expr* bw = nftnl_expr_alloc("bitwise");
  const uint32_t zero = 0;
  nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_LEN, sizeof(uint32_t));
  nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
  nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
  AddExpr(r, bw);
  Cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
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
  Payload(r, NFT_PAYLOAD_NETWORK_HEADER, offset, len, dreg);
}

// "ip saddr" etc. in an inet table: a family check, then the field.
void LoadAddress(nftnl_rule* r, schema::IpFamily family, AddressField field,
                 uint32_t dreg) {
  const uint8_t nfproto =
      family == schema::IpFamily::kV4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
  Meta(r, NFT_META_NFPROTO, NFT_REG_1);
  Cmp(r, NFT_CMP_EQ, &nfproto, 1);
  LoadField(r, family, field, dreg);
}

void CtMark(nftnl_rule* r, bool set) {
  nftnl_expr* ct = nftnl_expr_alloc("ct");
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
  nftnl_expr_set_u32(ct, set ? NFTNL_EXPR_CT_SREG : NFTNL_EXPR_CT_DREG,
                     NFT_REG_1);
  AddExpr(r, ct);
}

// limit rate R/second burst R packets; counter; log prefix P group G.
void RateLimitedLog(nftnl_rule* r, const LogAction& log) {
  nftnl_expr* limit = nftnl_expr_alloc("limit");
  nftnl_expr_set_u64(limit, NFTNL_EXPR_LIMIT_RATE, log.rate_per_second);
  nftnl_expr_set_u64(limit, NFTNL_EXPR_LIMIT_UNIT, 1);
  nftnl_expr_set_u32(limit, NFTNL_EXPR_LIMIT_BURST, log.rate_per_second);
  nftnl_expr_set_u32(limit, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
  nftnl_expr_set_u32(limit, NFTNL_EXPR_LIMIT_FLAGS, 0);
  AddExpr(r, limit);
  AddExpr(r, nftnl_expr_alloc("counter"));
  nftnl_expr* e = nftnl_expr_alloc("log");
  nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, log.prefix.c_str());
  nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, log.group);
  // The kernel reports a zero queue threshold on read-back; snaplen stays
  // unset (whole packet), as nft leaves it.
  nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_QTHRESHOLD, 0);
  AddExpr(r, e);
}

void EncodeRuleExprs(const Rule& rule, nftnl_rule* r) {
  switch (rule.kind) {
    case Rule::Kind::kCtEstablishedAccept:
      CtStateAny(r, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
                        NF_CT_STATE_BIT(IP_CT_RELATED));
      Verdict(r, NF_ACCEPT);
      return;
    case Rule::Kind::kCtInvalidDrop:
      CtStateAny(r, NF_CT_STATE_INVALID_BIT);
      Verdict(r, NF_DROP);
      return;
    case Rule::Kind::kNeighborDiscoveryAccept: {
      const uint8_t nfproto = NFPROTO_IPV6;
      const uint8_t icmpv6 = IPPROTO_ICMPV6;
      const uint8_t first = 133;  // Router solicitation.
      const uint8_t last = 137;   // Redirect.
      Meta(r, NFT_META_NFPROTO, NFT_REG_1);
      Cmp(r, NFT_CMP_EQ, &nfproto, 1);
      Meta(r, NFT_META_L4PROTO, NFT_REG_1);
      Cmp(r, NFT_CMP_EQ, &icmpv6, 1);
      Payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
      Cmp(r, NFT_CMP_GTE, &first, 1);
      Cmp(r, NFT_CMP_LTE, &last, 1);
      Verdict(r, NF_ACCEPT);
      return;
    }
    case Rule::Kind::kVmap:
      LoadAddress(r, rule.family, rule.field, NFT_REG_1);
      Lookup(r, rule.set, /*verdict_map=*/true);
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
      Meta(r, NFT_META_L4PROTO, v4 ? NFT_REG32_01 : NFT_REG_2);
      Payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
              v4 ? NFT_REG32_02 : NFT_REG32_05);
    }
    Lookup(r, rule.set, /*verdict_map=*/false);
    if (!rule.unless_set.empty()) {
      LoadField(r, rule.family, rule.field, NFT_REG_1);
      Lookup(r, rule.unless_set, /*verdict_map=*/false, /*inverted=*/true);
    }
  }
  if (rule.protocol) {
    const uint8_t proto = static_cast<uint8_t>(*rule.protocol);
    Meta(r, NFT_META_L4PROTO, NFT_REG_1);
    Cmp(r, NFT_CMP_EQ, &proto, 1);
  }
  if (rule.dport) {
    Payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
    const uint16_t first = htons(rule.dport->first);
    const uint16_t last = htons(rule.dport->second);
    if (rule.dport->first == rule.dport->second) {
      Cmp(r, NFT_CMP_EQ, &first, 2);
    } else {
      Cmp(r, NFT_CMP_GTE, &first, 2);
      Cmp(r, NFT_CMP_LTE, &last, 2);
    }
  }
  if (rule.set_ct_mark) {
    CtMark(r, /*set=*/false);
    nftnl_expr* bw = nftnl_expr_alloc("bitwise");
    const uint32_t mask = rule.set_ct_mark->first;
    const uint32_t value = rule.set_ct_mark->second;
    nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
    nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_LEN, sizeof(uint32_t));
    nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
    nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_XOR, &value, sizeof(value));
    AddExpr(r, bw);
    CtMark(r, /*set=*/true);
  }
  if (rule.counter) AddExpr(r, nftnl_expr_alloc("counter"));
  if (rule.log) RateLimitedLog(r, *rule.log);
  if (rule.verdict == Verdict::kContinue) return;
  Verdict(r, rule.verdict == Verdict::kAccept ? NF_ACCEPT
             : rule.verdict == Verdict::kDrop ? NF_DROP
                                              : NFT_RETURN);
}

// --- messages ----------------------------------------------------------------

void AddTableMsg(NetlinkBatch& batch, uint16_t type, const char* what,
                 uint16_t family = NFPROTO_INET) {
  TablePtr t(nftnl_table_alloc());
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTableName);
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, family);
  const uint16_t flags = type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0;
  nlmsghdr* nlh =
      nftnl_nlmsg_build_hdr(batch.Reserve(kMaxMessage), type, family,
                            flags | NLM_F_ACK, batch.NextSeq());
  nftnl_table_nlmsg_build_payload(nlh, t.get());
  batch.Commit(nlh, what, true);
}

SetPtr NewSetObject(const Set& set, uint32_t id) {
  SetPtr s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, set.name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
  return s;
}

}  // namespace

void EncodeNewSet(const Set& set, uint32_t id, NetlinkBatch& batch) {
  SetPtr s = NewSetObject(set, id);
  uint32_t flags = 0;
  if (set.interval) flags |= NFT_SET_INTERVAL;
  if (set.verdict_map) flags |= NFT_SET_MAP;
  nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, flags);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, KeyTypeId(set.key));
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, KeyLen(set.key));
  if (set.verdict_map) {
    nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
  }
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(
      batch.Reserve(kMaxMessage), NFT_MSG_NEWSET, NFPROTO_INET,
      NLM_F_CREATE | NLM_F_ACK, batch.NextSeq());
  nftnl_set_nlmsg_build_payload(nlh, s.get());
  batch.Commit(nlh, absl::StrCat("add set ", set.name), true);
}

namespace {

void AddElement(nftnl_set* s, const std::vector<uint8_t>& key, uint32_t flags,
                const std::string& jump) {
  nftnl_set_elem* e = nftnl_set_elem_alloc();
  nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key.data(), key.size());
  if (flags != 0) nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
  if (!jump.empty()) {
    nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NFT_JUMP);
    nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, jump.c_str());
  }
  nftnl_set_elem_add(s, e);
}

}  // namespace

namespace {

// Elements as the kernel stores them. Interval sets are sent as nft sends
// them: boundaries, where an element flagged INTERVAL_END opens a gap; a
// leading gap starts at address 0.
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

}  // namespace

void EncodeSetElements(const Set& set, const std::vector<SetElement>& elements,
                       bool remove, NetlinkBatch& batch) {
  const std::vector<RawElement> raw = RawElements(set, elements, remove);
  for (std::size_t start = 0; start < raw.size();
       start += kElementsPerMessage) {
    SetPtr s = NewSetObject(set, 0);
    const std::size_t end = std::min(raw.size(), start + kElementsPerMessage);
    for (std::size_t i = start; i < end; ++i) {
      AddElement(s.get(), raw[i].key, raw[i].flags, raw[i].jump);
    }
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(
        batch.Reserve(kMaxMessage),
        remove ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM, NFPROTO_INET,
        (remove ? 0 : NLM_F_CREATE) | NLM_F_ACK, batch.NextSeq());
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
    batch.Commit(
        nlh,
        absl::StrCat(remove ? "delete " : "add ", end - start, " element(s) ",
                     remove ? "from" : "to", " set ", set.name),
        true);
  }
}

namespace {

SetPtr SetRef(const std::string& name) {
  SetPtr s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  return s;
}

}  // namespace

void EncodeFlushSet(const std::string& set_name, NetlinkBatch& batch) {
  SetPtr s = SetRef(set_name);
  // DELSETELEM without elements flushes the set.
  nlmsghdr* nlh =
      nftnl_nlmsg_build_hdr(batch.Reserve(kMaxMessage), NFT_MSG_DELSETELEM,
                            NFPROTO_INET, NLM_F_ACK, batch.NextSeq());
  nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
  batch.Commit(nlh, absl::StrCat("flush set ", set_name), true);
}

void EncodeDeleteSet(const std::string& set_name, NetlinkBatch& batch) {
  SetPtr s = SetRef(set_name);
  nlmsghdr* nlh =
      nftnl_nlmsg_build_hdr(batch.Reserve(kMaxMessage), NFT_MSG_DELSET,
                            NFPROTO_INET, NLM_F_ACK, batch.NextSeq());
  nftnl_set_nlmsg_build_payload(nlh, s.get());
  batch.Commit(nlh, absl::StrCat("delete set ", set_name), true);
}

void EncodeNewChain(const Chain& chain, NetlinkBatch& batch) {
  ChainPtr c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, chain.name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
  if (chain.base_forward) {
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, 0);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  }
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(
      batch.Reserve(kMaxMessage), NFT_MSG_NEWCHAIN, NFPROTO_INET,
      NLM_F_CREATE | NLM_F_ACK, batch.NextSeq());
  nftnl_chain_nlmsg_build_payload(nlh, c.get());
  batch.Commit(nlh, absl::StrCat("add chain ", chain.name), true);
}

namespace {

ChainPtr ChainRef(const std::string& name) {
  ChainPtr c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
  return c;
}

}  // namespace

void EncodeFlushChain(const std::string& chain_name, NetlinkBatch& batch) {
  // DELRULE naming only the chain deletes every rule in it.
  RulePtr r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain_name.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  nlmsghdr* nlh =
      nftnl_nlmsg_build_hdr(batch.Reserve(kMaxMessage), NFT_MSG_DELRULE,
                            NFPROTO_INET, NLM_F_ACK, batch.NextSeq());
  nftnl_rule_nlmsg_build_payload(nlh, r.get());
  batch.Commit(nlh, absl::StrCat("flush chain ", chain_name), true);
}

void EncodeDeleteChain(const std::string& chain_name, NetlinkBatch& batch) {
  ChainPtr c = ChainRef(chain_name);
  nlmsghdr* nlh =
      nftnl_nlmsg_build_hdr(batch.Reserve(kMaxMessage), NFT_MSG_DELCHAIN,
                            NFPROTO_INET, NLM_F_ACK, batch.NextSeq());
  nftnl_chain_nlmsg_build_payload(nlh, c.get());
  batch.Commit(nlh, absl::StrCat("delete chain ", chain_name), true);
}

namespace {

RulePtr BuildRule(const Chain& chain, const Rule& rule) {
  RulePtr r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.name.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  EncodeRuleExprs(rule, r.get());
  if (!rule.comment.empty()) {
    UdataPtr udata(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
    nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_RULE_COMMENT,
                         rule.comment.c_str());
    nftnl_rule_set_data(r.get(), NFTNL_RULE_USERDATA,
                        nftnl_udata_buf_data(udata.get()),
                        nftnl_udata_buf_len(udata.get()));
  }
  return r;
}

void AddRuleMsg(NetlinkBatch& batch, const Chain& chain, const Rule& rule,
                std::size_t index) {
  RulePtr r = BuildRule(chain, rule);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(
      batch.Reserve(kMaxMessage), NFT_MSG_NEWRULE, NFPROTO_INET,
      NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK, batch.NextSeq());
  nftnl_rule_nlmsg_build_payload(nlh, r.get());
  batch.Commit(
      nlh,
      absl::StrCat("add rule ", index, " to chain ", chain.name,
                   rule.comment.empty() ? "" : " (" + rule.comment + ")"),
      true);
}

}  // namespace

void EncodeChainRules(const Chain& chain, NetlinkBatch& batch) {
  for (std::size_t i = 0; i < chain.rules.size(); ++i) {
    AddRuleMsg(batch, chain, chain.rules[i], i);
  }
}

NetlinkBatch::NetlinkBatch(uint32_t first_seq)
    : first_seq_(first_seq), seq_(first_seq) {}

char* NetlinkBatch::Reserve(std::size_t max_len) {
  // libnftnl writes headers and attributes including their padding, so the
  // space needs no clearing.
  if (buf_.size() < size_ + max_len) buf_.resize(size_ + max_len);
  return buf_.data() + size_;
}

void NetlinkBatch::Commit(const nlmsghdr* nlh, std::string what, bool acked) {
  size_ += NLMSG_ALIGN(nlh->nlmsg_len);
  descriptions_.push_back(std::move(what));
  if (acked) ++acked_;
  ++seq_;
}

void NetlinkBatch::Begin() {
  nlmsghdr* nlh = nftnl_batch_begin(Reserve(256), seq_);
  Commit(nlh, "batch begin", false);
}

void NetlinkBatch::End() {
  nlmsghdr* nlh = nftnl_batch_end(Reserve(256), seq_);
  Commit(nlh, "batch end", false);
}

std::string NetlinkBatch::Describe(uint32_t seq) const {
  if (seq < first_seq_ || seq - first_seq_ >= descriptions_.size()) return "";
  return descriptions_[seq - first_seq_];
}

void EncodeDeleteTable(NetlinkBatch& batch) {
  // Creating first makes the delete succeed whether or not the table exists.
  AddTableMsg(batch, NFT_MSG_NEWTABLE, "add table inet podwall");
  AddTableMsg(batch, NFT_MSG_DELTABLE, "delete table inet podwall");
  AddTableMsg(batch, NFT_MSG_NEWTABLE, "add table netdev podwall",
              NFPROTO_NETDEV);
  AddTableMsg(batch, NFT_MSG_DELTABLE, "delete table netdev podwall",
              NFPROTO_NETDEV);
}

void EncodeCreateNetdevTable(NetlinkBatch& batch) {
  AddTableMsg(batch, NFT_MSG_NEWTABLE, "add table netdev podwall",
              NFPROTO_NETDEV);
}

namespace {

std::string GuardChain(const std::string& device) {
  return kGuardChainPrefix + device;
}

RulePtr BuildGuardRule(const SpoofGuard& g, uint16_t ethertype,
                       const schema::IpAddress* addr, bool link_local,
                       int verdict, const std::string& comment) {
  RulePtr r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  const std::string chain = GuardChain(g.device);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_NETDEV);
  const uint16_t proto = htons(ethertype);
  Meta(r.get(), NFT_META_PROTOCOL, NFT_REG_1);
  Cmp(r.get(), NFT_CMP_EQ, &proto, sizeof(proto));
  if (addr || link_local) {
    const bool v4 = ethertype == ETH_P_IP;
    Payload(r.get(), NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, v4 ? 4 : 16,
            NFT_REG_1);
    if (link_local) {
      // ip6 saddr fe80::/10, as nft encodes a prefix: mask, then compare.
      uint8_t mask[16] = {0xff, 0xc0};
      uint8_t zero[16] = {};
      uint8_t want[16] = {0xfe, 0x80};
      nftnl_expr* bw = nftnl_expr_alloc("bitwise");
      nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
      nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
      nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_LEN, 16);
      nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_MASK, mask, 16);
      nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_XOR, zero, 16);
      AddExpr(r.get(), bw);
      Cmp(r.get(), NFT_CMP_EQ, want, 16);
    } else {
      Cmp(r.get(), NFT_CMP_EQ, addr->bytes.data(), v4 ? 4 : 16);
    }
  } else {
    AddExpr(r.get(), nftnl_expr_alloc("counter"));
  }
  Verdict(r.get(), verdict);
  if (!comment.empty()) {
    UdataPtr udata(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
    nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_RULE_COMMENT,
                         comment.c_str());
    nftnl_rule_set_data(r.get(), NFTNL_RULE_USERDATA,
                        nftnl_udata_buf_data(udata.get()),
                        nftnl_udata_buf_len(udata.get()));
  }
  return r;
}

// The rules of one guard, in order: (ethertype, address, link-local,
// verdict, comment).
std::vector<RulePtr> BuildGuardRules(const SpoofGuard& g) {
  std::vector<RulePtr> rules;
  for (const auto& a : g.addresses) {
    if (a.family == schema::IpFamily::kV4) {
      rules.push_back(BuildGuardRule(g, ETH_P_IP, &a, false, NF_ACCEPT, ""));
    }
  }
  rules.push_back(BuildGuardRule(g, ETH_P_IPV6, nullptr, true, NF_ACCEPT, ""));
  const schema::IpAddress unspecified = ZeroOf(schema::IpFamily::kV6);
  rules.push_back(
      BuildGuardRule(g, ETH_P_IPV6, &unspecified, false, NF_ACCEPT, ""));
  for (const auto& a : g.addresses) {
    if (a.family == schema::IpFamily::kV6) {
      rules.push_back(BuildGuardRule(g, ETH_P_IPV6, &a, false, NF_ACCEPT, ""));
    }
  }
  const std::string comment = "spoofed source from " + g.endpoint;
  rules.push_back(
      BuildGuardRule(g, ETH_P_IP, nullptr, false, NF_DROP, comment));
  rules.push_back(
      BuildGuardRule(g, ETH_P_IPV6, nullptr, false, NF_DROP, comment));
  return rules;
}

ChainPtr GuardChainRef(const std::string& device) {
  ChainPtr c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTableName);
  const std::string name = GuardChain(device);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_NETDEV);
  return c;
}

}  // namespace

void EncodeNewGuard(const SpoofGuard& guard, NetlinkBatch& batch) {
  ChainPtr c = GuardChainRef(guard.device);
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, NF_NETDEV_INGRESS);
  nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, -500);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_DEV, guard.device.c_str());
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(
      batch.Reserve(kMaxMessage), NFT_MSG_NEWCHAIN, NFPROTO_NETDEV,
      NLM_F_CREATE | NLM_F_ACK, batch.NextSeq());
  nftnl_chain_nlmsg_build_payload(nlh, c.get());
  batch.Commit(nlh, absl::StrCat("add anti-spoofing chain on ", guard.device),
               true);
}

void EncodeGuardRules(const SpoofGuard& g, NetlinkBatch& batch) {
  for (RulePtr& r : BuildGuardRules(g)) {
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(
        batch.Reserve(kMaxMessage), NFT_MSG_NEWRULE, NFPROTO_NETDEV,
        NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK, batch.NextSeq());
    nftnl_rule_nlmsg_build_payload(nlh, r.get());
    batch.Commit(nlh, absl::StrCat("add anti-spoofing rule on ", g.device),
                 true);
  }
}

void EncodeFlushGuard(const std::string& device, NetlinkBatch& batch) {
  RulePtr r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  const std::string chain = GuardChain(device);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_NETDEV);
  nlmsghdr* nlh =
      nftnl_nlmsg_build_hdr(batch.Reserve(kMaxMessage), NFT_MSG_DELRULE,
                            NFPROTO_NETDEV, NLM_F_ACK, batch.NextSeq());
  nftnl_rule_nlmsg_build_payload(nlh, r.get());
  batch.Commit(nlh, absl::StrCat("flush anti-spoofing chain on ", device),
               true);
}

void EncodeDeleteGuard(const std::string& device, NetlinkBatch& batch) {
  ChainPtr c = GuardChainRef(device);
  nlmsghdr* nlh =
      nftnl_nlmsg_build_hdr(batch.Reserve(kMaxMessage), NFT_MSG_DELCHAIN,
                            NFPROTO_NETDEV, NLM_F_ACK, batch.NextSeq());
  nftnl_chain_nlmsg_build_payload(nlh, c.get());
  batch.Commit(nlh, absl::StrCat("delete anti-spoofing chain on ", device),
               true);
}

void EncodeReplace(const Ruleset& ruleset, NetlinkBatch& batch) {
  EncodeDeleteTable(batch);
  AddTableMsg(batch, NFT_MSG_NEWTABLE, "add table inet podwall");
  uint32_t set_id = 1;
  for (const Set& set : ruleset.sets) EncodeNewSet(set, set_id++, batch);
  for (const Set& set : ruleset.sets) {
    if (!set.verdict_map) EncodeSetElements(set, set.elements, false, batch);
  }
  for (const Chain& chain : ruleset.chains) EncodeNewChain(chain, batch);
  // Map elements jump to chains, so they follow the chains.
  for (const Set& set : ruleset.sets) {
    if (set.verdict_map) EncodeSetElements(set, set.elements, false, batch);
  }
  for (const Chain& chain : ruleset.chains) EncodeChainRules(chain, batch);
  if (!ruleset.guards.empty()) {
    EncodeCreateNetdevTable(batch);
    for (const SpoofGuard& g : ruleset.guards) {
      EncodeNewGuard(g, batch);
      EncodeGuardRules(g, batch);
    }
  }
}

std::string RuleFingerprint(const nftnl_rule* rule) {
  std::string out;
  nftnl_expr_iter* it = nftnl_expr_iter_create(rule);
  char buf[1024];
  for (nftnl_expr* e = nftnl_expr_iter_next(it); e;
       e = nftnl_expr_iter_next(it)) {
    const char* name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    if (std::strcmp(name, "counter") == 0) {
      out += "[counter]";  // Its values are the kernel's, not ours.
      continue;
    }
    nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
    absl::StrAppend(&out, "[", name, " ", buf, "]");
  }
  nftnl_expr_iter_destroy(it);
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
    out.push_back(RuleFingerprint(BuildRule(chain, rule).get()));
  }
  return out;
}

std::vector<std::string> GuardFingerprints(const SpoofGuard& guard) {
  std::vector<std::string> out;
  for (RulePtr& r : BuildGuardRules(guard)) {
    out.push_back(RuleFingerprint(r.get()));
  }
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
