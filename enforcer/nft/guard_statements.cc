#include "enforcer/nft/guard_statements.h"

#include <netinet/in.h>

#include "absl/strings/str_cat.h"

namespace podwall::nft {
namespace {

using Bytes = std::vector<uint8_t>;
using Load = GuardMatch::Load;

constexpr uint16_t kEthIp = 0x0800;
constexpr uint16_t kEthArp = 0x0806;
constexpr uint16_t kEthIp6 = 0x86dd;
// NFPROTO_IPV4 and NFPROTO_IPV6 (linux/netfilter.h clashes with
// netinet/in.h).
constexpr uint8_t kNfprotoIpv4 = 2;
constexpr uint8_t kNfprotoIpv6 = 10;

// ICMPv6 types (RFC 4443, 4861, 2710, 3810).
constexpr uint8_t kMldQuery = 130;
constexpr uint8_t kMldReport = 131;
constexpr uint8_t kMldDone = 132;
constexpr uint8_t kRouterSolicit = 133;
constexpr uint8_t kRouterAdvert = 134;
constexpr uint8_t kNeighborSolicit = 135;
constexpr uint8_t kNeighborAdvert = 136;
constexpr uint8_t kRedirect = 137;
constexpr uint8_t kMld2Report = 143;

// Offsets: IPv4 source/destination, IPv6 source/destination (network
// header), ARP sender protocol address, ND target (ICMPv6 header).
constexpr uint32_t kIpSaddr = 12;
constexpr uint32_t kIpDaddr = 16;
constexpr uint32_t kIp6Saddr = 8;
constexpr uint32_t kIp6Daddr = 24;
constexpr uint32_t kArpSpa = 14;
constexpr uint32_t kNdTarget = 8;

Bytes Be16(uint16_t v) {
  return {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v & 0xff)};
}

std::string HexBytes(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

std::string ProtocolName(uint16_t ethertype) {
  switch (ethertype) {
    case kEthIp:
      return "ip";
    case kEthIp6:
      return "ip6";
    default:
      return "arp";
  }
}

GuardMatch Protocol(uint16_t ethertype) {
  return {Load::kProtocol,
          0,
          2,
          {},
          false,
          {Be16(ethertype)},
          "meta protocol",
          {ProtocolName(ethertype)}};
}

GuardMatch NotProtocols(std::initializer_list<uint16_t> ethertypes) {
  GuardMatch m{Load::kProtocol, 0, 2, {}, true, {}, "meta protocol", {}};
  for (uint16_t t : ethertypes) {
    m.values.push_back(Be16(t));
    m.value_text.push_back(ProtocolName(t));
  }
  return m;
}

GuardMatch L4Proto(bool negate) {
  return {Load::kL4Proto, 0, 1, {}, negate, {{IPPROTO_ICMPV6}}, "meta l4proto",
          {"ipv6-icmp"}};
}

GuardMatch Icmpv6Types(bool negate, std::initializer_list<uint8_t> types) {
  GuardMatch m{Load::kTransport, 0, 1, {}, negate, {}, "icmpv6 type", {}};
  for (uint8_t t : types) {
    m.values.push_back({t});
    m.value_text.push_back(absl::StrCat(t));
  }
  return m;
}

// One address field compared with addresses (IPv4 or IPv6).
GuardMatch Addresses(Load load, uint32_t offset, std::string field, bool negate,
                     const std::vector<schema::IpAddress>& addresses) {
  const uint32_t length =
      !addresses.empty() && addresses[0].family == schema::IpFamily::kV4 ? 4
                                                                         : 16;
  GuardMatch m{load, offset, length, {}, negate, {}, std::move(field), {}};
  for (const schema::IpAddress& a : addresses) {
    m.values.emplace_back(a.bytes.begin(), a.bytes.begin() + length);
    m.value_text.push_back(a.ToString());
  }
  return m;
}

// An IPv6 address field against fe80::/10.
GuardMatch LinkLocal(Load load, uint32_t offset, std::string field,
                     bool negate) {
  Bytes mask(16, 0), want(16, 0);
  mask[0] = 0xff;
  mask[1] = 0xc0;
  want[0] = 0xfe;
  want[1] = 0x80;
  return {load,   offset,           16,           mask, negate,
          {want}, std::move(field), {"fe80::/10"}};
}

std::vector<schema::IpAddress> Own(const SpoofGuard& g, schema::IpFamily f) {
  std::vector<schema::IpAddress> out;
  for (const schema::IpAddress& a : g.addresses) {
    if (a.family == f) out.push_back(a);
  }
  return out;
}

schema::IpAddress Zero(schema::IpFamily f) {
  schema::IpAddress z;
  z.family = f;
  return z;
}

GuardStatement Drop(std::vector<GuardMatch> matches, std::string comment) {
  return {std::move(matches), true, false, std::move(comment)};
}

GuardStatement Accept(std::vector<GuardMatch> matches) {
  return {std::move(matches), false, true, ""};
}

// A VLAN-tagged frame: the bridge forwards it with its tag, and
// br_netfilter does not show it to the inet hooks (bridge-nf-filter-vlan-
// tagged is off by default), so it would pass every policy.
void DropVlanTagged(const std::string& comment,
                    std::vector<GuardStatement>& out) {
  for (uint16_t tpid : {0x8100, 0x88a8}) {  // 802.1Q, 802.1ad.
    out.push_back(Drop({{Load::kLinkLayer,
                         12,
                         2,
                         {},
                         false,
                         {Be16(tpid)},
                         "@ll,96,16",
                         {absl::StrCat("0x", absl::Hex(tpid))}}},
                       comment));
  }
}

// Link-local or unspecified sources carry only neighbour discovery and
// MLD; anything else from them (TCP or UDP to another pod's fe80::
// address, say) would reach peers no policy names.
void RestrictToNeighborDiscovery(const GuardMatch& source,
                                 const std::string& endpoint,
                                 std::vector<GuardStatement>& out) {
  const std::string comment = absl::StrCat(
      source.value_text[0], " source other than ND/MLD from ", endpoint);
  out.push_back(Drop({Protocol(kEthIp6), source, L4Proto(true)}, comment));
  out.push_back(Drop(
      {Protocol(kEthIp6), source, L4Proto(false),
       Icmpv6Types(true, {kMldQuery, kMldReport, kMldDone, kRouterSolicit,
                          kNeighborSolicit, kNeighborAdvert, kMld2Report})},
      comment));
}

}  // namespace

std::vector<GuardStatement> GuardStatements(const SpoofGuard& g) {
  using schema::IpFamily;
  std::vector<GuardStatement> out;
  const std::string& e = g.endpoint;
  DropVlanTagged("VLAN-tagged frame from " + e, out);
  // The common case first, so that a pod's ordinary packet walks three or
  // four rules: IPv4 from its own address, and IPv6 other than ICMPv6 from
  // its own global address, need no further check.
  for (const schema::IpAddress& a : Own(g, IpFamily::kV4)) {
    out.push_back(
        Accept({Protocol(kEthIp),
                Addresses(Load::kNetwork, kIpSaddr, "ip saddr", false, {a})}));
  }
  for (const schema::IpAddress& a : Own(g, IpFamily::kV6)) {
    out.push_back(
        Accept({Protocol(kEthIp6),
                Addresses(Load::kNetwork, kIp6Saddr, "ip6 saddr", false, {a}),
                L4Proto(true)}));
  }
  out.push_back(Drop({NotProtocols({kEthIp, kEthIp6, kEthArp})},
                     "non-IP frame from " + e));

  // ARP: Ethernet/IPv4 only (the offsets below assume it), and the sender
  // is the pod or nobody (0.0.0.0: address conflict probes, RFC 5227).
  out.push_back(Drop({Protocol(kEthArp),
                      {Load::kNetwork,
                       0,
                       6,
                       {},
                       true,
                       {{0x00, 0x01, 0x08, 0x00, 0x06, 0x04}},
                       "@nh,0,48",
                       {"0x000108000604"}}},
                     "malformed ARP from " + e));
  std::vector<schema::IpAddress> senders = Own(g, IpFamily::kV4);
  senders.push_back(Zero(IpFamily::kV4));
  out.push_back(
      Drop({Protocol(kEthArp),
            Addresses(Load::kNetwork, kArpSpa, "arp saddr ip", true, senders)},
           "spoofed ARP from " + e));

  // IPv4 sources.
  std::vector<GuardMatch> v4 = {Protocol(kEthIp)};
  if (!Own(g, IpFamily::kV4).empty()) {
    v4.push_back(Addresses(Load::kNetwork, kIpSaddr, "ip saddr", true,
                           Own(g, IpFamily::kV4)));
  }
  out.push_back(Drop(std::move(v4), "spoofed source from " + e));

  // IPv6: no router messages from a pod, and an advertisement only for an
  // address of its own (or a link-local one).
  out.push_back(Drop(
      {Protocol(kEthIp6), L4Proto(false), Icmpv6Types(false, {kRouterAdvert})},
      "router advertisement from " + e));
  out.push_back(
      Drop({Protocol(kEthIp6), L4Proto(false), Icmpv6Types(false, {kRedirect})},
           "redirect from " + e));
  // The target as nft(8) 1.0 writes it: a raw 128-bit field, and its
  // first two bytes masked for fe80::/10.
  std::vector<GuardMatch> na = {Protocol(kEthIp6), L4Proto(false),
                                Icmpv6Types(false, {kNeighborAdvert})};
  if (!Own(g, IpFamily::kV6).empty()) {
    GuardMatch target = Addresses(Load::kTransport, kNdTarget, "@th,64,128",
                                  true, Own(g, IpFamily::kV6));
    for (std::size_t i = 0; i < target.values.size(); ++i) {
      target.value_text[i] = "0x" + HexBytes(target.values[i]);
    }
    na.push_back(std::move(target));
  }
  na.push_back({Load::kTransport,
                kNdTarget,
                2,
                {0xff, 0xc0},
                true,
                {{0xfe, 0x80}},
                "@th,64,16 & 0xffc0",
                {"0xfe80"}});
  out.push_back(
      Drop(std::move(na), "spoofed neighbour advertisement from " + e));

  RestrictToNeighborDiscovery(
      LinkLocal(Load::kNetwork, kIp6Saddr, "ip6 saddr", false), e, out);
  RestrictToNeighborDiscovery(Addresses(Load::kNetwork, kIp6Saddr, "ip6 saddr",
                                        false, {Zero(IpFamily::kV6)}),
                              e, out);

  std::vector<schema::IpAddress> sources6 = Own(g, IpFamily::kV6);
  sources6.push_back(Zero(IpFamily::kV6));
  out.push_back(
      Drop({Protocol(kEthIp6),
            Addresses(Load::kNetwork, kIp6Saddr, "ip6 saddr", true, sources6),
            LinkLocal(Load::kNetwork, kIp6Saddr, "ip6 saddr", true)},
           "spoofed source from " + e));
  return out;
}

std::vector<GuardStatement> DeliverStatements(const SpoofGuard& g) {
  std::vector<GuardStatement> out;
  if (!g.isolated_ingress) return out;
  DropVlanTagged("VLAN-tagged frame to isolated " + g.endpoint, out);
  for (const schema::IpAddress& a : g.addresses) {
    const bool v4 = a.family == schema::IpFamily::kV4;
    out.push_back(
        Accept({Protocol(v4 ? kEthIp : kEthIp6),
                Addresses(Load::kNetwork, v4 ? kIpDaddr : kIp6Daddr,
                          v4 ? "ip daddr" : "ip6 daddr", false, {a})}));
  }
  out.push_back(Accept({Protocol(kEthArp)}));
  // Neighbour discovery between pods; router advertisements and redirects
  // only ever come from the node here (every pod's guard drops its own),
  // and IPv6 set-ups that configure pods by RA need them.
  for (uint8_t type :
       {kNeighborSolicit, kNeighborAdvert, kRouterAdvert, kRedirect}) {
    out.push_back(Accept(
        {Protocol(kEthIp6), L4Proto(false), Icmpv6Types(false, {type})}));
  }
  out.push_back(
      Drop({}, "broadcast, multicast or link-local to isolated " + g.endpoint));
  return out;
}

std::vector<GuardStatement> IpGuardStatements(const SpoofGuard& g) {
  std::vector<GuardStatement> out;
  for (GuardStatement& s : GuardStatements(g)) {
    if (s.matches.empty()) continue;
    GuardMatch& first = s.matches.front();
    if (first.load != Load::kProtocol || first.negate) continue;
    const Bytes& ethertype = first.values.front();
    uint8_t nfproto = 0;
    if (ethertype == Be16(kEthIp)) nfproto = kNfprotoIpv4;
    if (ethertype == Be16(kEthIp6)) nfproto = kNfprotoIpv6;
    if (nfproto == 0) continue;  // ARP.
    first = {Load::kNfproto,
             0,
             1,
             {},
             false,
             {{nfproto}},
             "meta nfproto",
             {nfproto == kNfprotoIpv4 ? "ipv4" : "ipv6"}};
    out.push_back(std::move(s));
  }
  return out;
}

std::string GuardStatementText(const GuardStatement& s) {
  std::string out;
  auto word = [&](std::string_view w) {
    if (!out.empty()) out += ' ';
    out += w;
  };
  for (const GuardMatch& m : s.matches) {
    for (const std::string& v : m.value_text) {
      word(absl::StrCat(m.field, m.negate ? " != " : " ", v));
      if (!m.negate) break;
    }
  }
  if (s.counter) word("counter");
  word(s.accept ? "accept" : "drop");
  if (!s.comment.empty()) word(absl::StrCat("comment \"", s.comment, "\""));
  return out;
}

}  // namespace podwall::nft
