#ifndef PODWALL_ENFORCER_CONNTRACK_CTNETLINK_H_
#define PODWALL_ENFORCER_CONNTRACK_CTNETLINK_H_

// ctnetlink (conntrack over netfilter netlink) attributes, read and written
// with libmnl: shared by the flow logs' conntrack events and the conntrack
// table that established-connection checks dump and prune.

#include <libmnl/libmnl.h>

#include <cstdint>

#include "enforcer/flowlog/flow_event.h"

namespace podwall::conntrack {

// The attributes of one nesting level, by type (types >= 64 are dropped;
// ctnetlink's are all below).
struct CtAttrs {
  const nlattr* at[64] = {};
};

// The top-level attributes of a ctnetlink message (after its nfgenmsg).
CtAttrs MessageAttrs(const nlmsghdr* nlh);
// The attributes nested in `parent` (none when it is null).
CtAttrs NestedAttrs(const nlattr* parent);

uint32_t AttrBe32(const nlattr* a);  // 0 when absent.
uint64_t AttrBe64(const nlattr* a);

// CTA_TUPLE_ORIG or CTA_TUPLE_REPLY -> FiveTuple; false unless it holds
// both addresses of one family.
bool ParseCtTuple(const nlattr* tuple, flowlog::FiveTuple& out);

// Writes `tuple` as the nest `type` (CTA_TUPLE_ORIG, CTA_TUPLE_REPLY):
// both addresses, the protocol and its ports.
void PutCtTuple(nlmsghdr* nlh, uint16_t type, const flowlog::FiveTuple& tuple);

// Writes a nest `type` holding only one address, as its source: what a
// dump filter on that address needs.
void PutCtSource(nlmsghdr* nlh, uint16_t type, const schema::IpAddress& a);

}  // namespace podwall::conntrack

#endif  // PODWALL_ENFORCER_CONNTRACK_CTNETLINK_H_
