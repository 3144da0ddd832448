#include "enforcer/conntrack/ctnetlink.h"

#include <arpa/inet.h>
#include <endian.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include <cstring>

namespace podwall::conntrack {
namespace {

int CollectAttr(const nlattr* a, void* data) {
  auto* attrs = static_cast<CtAttrs*>(data);
  const int type = mnl_attr_get_type(a);
  if (type >= 0 && type < 64) attrs->at[type] = a;
  return MNL_CB_OK;
}

}  // namespace

CtAttrs MessageAttrs(const nlmsghdr* nlh) {
  CtAttrs a;
  mnl_attr_parse(nlh, sizeof(nfgenmsg), CollectAttr, &a);
  return a;
}

CtAttrs NestedAttrs(const nlattr* parent) {
  CtAttrs a;
  if (parent) mnl_attr_parse_nested(parent, CollectAttr, &a);
  return a;
}

uint32_t AttrBe32(const nlattr* a) {
  return a ? ntohl(mnl_attr_get_u32(a)) : 0;
}

uint64_t AttrBe64(const nlattr* a) {
  return a ? be64toh(mnl_attr_get_u64(a)) : 0;
}

bool ParseCtTuple(const nlattr* tuple, flowlog::FiveTuple& out) {
  const CtAttrs t = NestedAttrs(tuple);
  const CtAttrs ip = NestedAttrs(t.at[CTA_TUPLE_IP]);
  const CtAttrs proto = NestedAttrs(t.at[CTA_TUPLE_PROTO]);
  if (ip.at[CTA_IP_V4_SRC] && ip.at[CTA_IP_V4_DST]) {
    out.src = {schema::IpFamily::kV4, {}};
    out.dst = {schema::IpFamily::kV4, {}};
    std::memcpy(out.src.bytes.data(),
                mnl_attr_get_payload(ip.at[CTA_IP_V4_SRC]), 4);
    std::memcpy(out.dst.bytes.data(),
                mnl_attr_get_payload(ip.at[CTA_IP_V4_DST]), 4);
  } else if (ip.at[CTA_IP_V6_SRC] && ip.at[CTA_IP_V6_DST]) {
    out.src = {schema::IpFamily::kV6, {}};
    out.dst = {schema::IpFamily::kV6, {}};
    std::memcpy(out.src.bytes.data(),
                mnl_attr_get_payload(ip.at[CTA_IP_V6_SRC]), 16);
    std::memcpy(out.dst.bytes.data(),
                mnl_attr_get_payload(ip.at[CTA_IP_V6_DST]), 16);
  } else {
    return false;
  }
  out.proto =
      proto.at[CTA_PROTO_NUM] ? mnl_attr_get_u8(proto.at[CTA_PROTO_NUM]) : 0;
  out.sport = proto.at[CTA_PROTO_SRC_PORT]
                  ? ntohs(mnl_attr_get_u16(proto.at[CTA_PROTO_SRC_PORT]))
                  : 0;
  out.dport = proto.at[CTA_PROTO_DST_PORT]
                  ? ntohs(mnl_attr_get_u16(proto.at[CTA_PROTO_DST_PORT]))
                  : 0;
  return true;
}

void PutCtTuple(nlmsghdr* nlh, uint16_t type, const flowlog::FiveTuple& tuple) {
  nlattr* nest = mnl_attr_nest_start(nlh, type);
  nlattr* ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
  const bool v4 = tuple.src.family == schema::IpFamily::kV4;
  const std::size_t len = v4 ? 4 : 16;
  mnl_attr_put(nlh, v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, len,
               tuple.src.bytes.data());
  mnl_attr_put(nlh, v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, len,
               tuple.dst.bytes.data());
  mnl_attr_nest_end(nlh, ip);
  nlattr* proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
  mnl_attr_put_u8(nlh, CTA_PROTO_NUM, tuple.proto);
  mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(tuple.sport));
  mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(tuple.dport));
  mnl_attr_nest_end(nlh, proto);
  mnl_attr_nest_end(nlh, nest);
}

void PutCtSource(nlmsghdr* nlh, uint16_t type, const schema::IpAddress& a) {
  nlattr* nest = mnl_attr_nest_start(nlh, type);
  nlattr* ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
  const bool v4 = a.family == schema::IpFamily::kV4;
  mnl_attr_put(nlh, v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, v4 ? 4 : 16,
               a.bytes.data());
  mnl_attr_nest_end(nlh, ip);
  mnl_attr_nest_end(nlh, nest);
}

}  // namespace podwall::conntrack
