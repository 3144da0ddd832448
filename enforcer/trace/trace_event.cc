#include "enforcer/trace/trace_event.h"

#include <arpa/inet.h>
#include <libnftnl/trace.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace podwall::trace {
namespace {

struct TraceFree {
  void operator()(nftnl_trace* t) const { nftnl_trace_free(t); }
};

uint16_t Be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

}  // namespace

std::optional<PacketTuple> ParsePacketHeaders(const uint8_t* network,
                                              std::size_t network_len,
                                              const uint8_t* transport,
                                              std::size_t transport_len) {
  if (network == nullptr || network_len < 1) return std::nullopt;
  PacketTuple t;
  const int version = network[0] >> 4;
  if (version == 4 && network_len >= 20) {
    schema::IpAddress src, dst;
    src.family = dst.family = schema::IpFamily::kV4;
    std::memcpy(src.bytes.data(), network + 12, 4);
    std::memcpy(dst.bytes.data(), network + 16, 4);
    t.src = src;
    t.dst = dst;
    t.l4proto = network[9];
  } else if (version == 6 && network_len >= 40) {
    schema::IpAddress src, dst;
    src.family = dst.family = schema::IpFamily::kV6;
    std::memcpy(src.bytes.data(), network + 8, 16);
    std::memcpy(dst.bytes.data(), network + 24, 16);
    t.src = src;
    t.dst = dst;
    t.l4proto = network[6];
  } else {
    return std::nullopt;
  }
  const bool ports = t.l4proto == IPPROTO_TCP || t.l4proto == IPPROTO_UDP ||
                     t.l4proto == IPPROTO_SCTP || t.l4proto == IPPROTO_UDPLITE;
  if (ports && transport != nullptr && transport_len >= 4) {
    t.sport = Be16(transport);
    t.dport = Be16(transport + 2);
  }
  return t;
}

absl::StatusOr<TraceEvent> ParseTraceMessage(const nlmsghdr* nlh) {
  std::unique_ptr<nftnl_trace, TraceFree> t(nftnl_trace_alloc());
  if (!t || nftnl_trace_nlmsg_parse(nlh, t.get()) < 0) {
    return absl::InvalidArgumentError("not an nftables trace message");
  }
  nftnl_trace* tr = t.get();
  TraceEvent e;
  auto str = [&](uint16_t attr) {
    return nftnl_trace_is_set(tr, attr)
               ? std::string(nftnl_trace_get_str(tr, attr))
               : std::string();
  };
  auto u32 = [&](uint16_t attr) {
    return nftnl_trace_is_set(tr, attr) ? nftnl_trace_get_u32(tr, attr) : 0u;
  };
  e.id = u32(NFTNL_TRACE_ID);
  e.family = static_cast<uint16_t>(u32(NFTNL_TRACE_FAMILY));
  e.table = str(NFTNL_TRACE_TABLE);
  e.chain = str(NFTNL_TRACE_CHAIN);
  if (nftnl_trace_is_set(tr, NFTNL_TRACE_RULE_HANDLE)) {
    e.handle = nftnl_trace_get_u64(tr, NFTNL_TRACE_RULE_HANDLE);
  }
  switch (u32(NFTNL_TRACE_TYPE)) {
    case NFT_TRACETYPE_RULE:
      e.type = TraceEvent::Type::kRule;
      break;
    case NFT_TRACETYPE_RETURN:
      e.type = TraceEvent::Type::kReturn;
      break;
    case NFT_TRACETYPE_POLICY:
      e.type = TraceEvent::Type::kPolicy;
      break;
    default:
      e.type = TraceEvent::Type::kOther;
  }
  // The end of a regular chain comes as a rule event without a rule (the
  // chain's trailing blob entry on newer kernels): a return.
  if (e.type == TraceEvent::Type::kRule && e.handle == 0) {
    e.type = TraceEvent::Type::kReturn;
  }
  if (e.type == TraceEvent::Type::kPolicy) {
    e.verdict = static_cast<int32_t>(u32(NFTNL_TRACE_POLICY));
  } else {
    e.verdict = static_cast<int32_t>(u32(NFTNL_TRACE_VERDICT));
  }
  e.jump_target = str(NFTNL_TRACE_JUMP_TARGET);
  e.iif = u32(NFTNL_TRACE_IIF);
  e.oif = u32(NFTNL_TRACE_OIF);
  if (nftnl_trace_is_set(tr, NFTNL_TRACE_NETWORK_HEADER)) {
    uint32_t nlen = 0, tlen = 0;
    const auto* net = static_cast<const uint8_t*>(
        nftnl_trace_get_data(tr, NFTNL_TRACE_NETWORK_HEADER, &nlen));
    const uint8_t* tp = nullptr;
    if (nftnl_trace_is_set(tr, NFTNL_TRACE_TRANSPORT_HEADER)) {
      tp = static_cast<const uint8_t*>(
          nftnl_trace_get_data(tr, NFTNL_TRACE_TRANSPORT_HEADER, &tlen));
    }
    e.packet = ParsePacketHeaders(net, nlen, tp, tlen);
  }
  return e;
}

uint8_t IpProtocolOf(ir::Protocol protocol) {
  return static_cast<uint8_t>(protocol);  // The IR numbers them so.
}

std::string VerdictName(int32_t verdict) {
  switch (verdict) {
    case NFT_CONTINUE:
      return "continue";
    case NFT_BREAK:
      return "break";
    case NFT_JUMP:
      return "jump";
    case NFT_GOTO:
      return "goto";
    case NFT_RETURN:
      return "return";
    default:
      break;
  }
  if (verdict >= 0) {
    switch (verdict & NF_VERDICT_MASK) {
      case NF_DROP:
        return "drop";
      case NF_ACCEPT:
        return "accept";
      case NF_QUEUE:
        return "queue";
      case NF_STOLEN:
        return "stolen";
      default:
        break;
    }
  }
  return absl::StrCat("verdict ", verdict);
}

bool IsDrop(int32_t verdict) {
  return verdict >= 0 && (verdict & NF_VERDICT_MASK) == NF_DROP;
}

std::string FamilyName(uint16_t family) {
  switch (family) {
    case NFPROTO_INET:
      return "inet";
    case NFPROTO_NETDEV:
      return "netdev";
    case NFPROTO_BRIDGE:
      return "bridge";
    case NFPROTO_IPV4:
      return "ip";
    case NFPROTO_IPV6:
      return "ip6";
    case NFPROTO_ARP:
      return "arp";
    default:
      return absl::StrCat(family);
  }
}

}  // namespace podwall::trace
