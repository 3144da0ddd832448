#ifndef PODWALL_ENFORCER_NFT_GUARD_STATEMENTS_H_
#define PODWALL_ENFORCER_NFT_GUARD_STATEMENTS_H_

// The rules of a pod's two device chains (ruleset.h, SpoofGuard) as plain
// values: each a conjunction of "load a field, compare it" matches and a
// verdict. guard_rules.h turns them into netlink rules and nft_text.h
// prints their `text`, so the kernel's rules and the printed ones come from
// one list.
//
// guard_<device> (ingress, from the pod), in order:
//   VLAN tag (802.1Q or 802.1ad) drop  (meta protocol is then the inner one)
//   ip saddr <own> accept; ip6 saddr <own> meta l4proto != ipv6-icmp accept
//                                     (the common case, before the checks)
//   meta protocol != { ip, ip6, arp } drop           (raw Ethernet)
//   arp: not Ethernet/IPv4 drop; sender != own addresses and 0.0.0.0 drop
//   ip saddr != own addresses drop
//   icmpv6 router advertisement or redirect drop
//   icmpv6 neighbour advertisement whose target is not own or link-local drop
//   ip6 saddr fe80::/10 or ::, unless ND (133, 135, 136) or MLD: drop
//   ip6 saddr != own addresses, fe80::/10, :: drop
// deliver_<device> (egress, towards an ingress-isolated pod):
//   VLAN tag drop; ip[6] daddr <each own address> accept; arp accept;
//   icmpv6 type { 135, 136, 134, 137 } accept
//   (RA and redirects reach a pod only from the node: guards drop pods')
//   counter drop

#include <cstdint>
#include <string>
#include <vector>

#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

struct GuardMatch {
  enum class Load : uint8_t {
    kProtocol,   // meta protocol (2 bytes, network order)
    kNfproto,    // meta nfproto (1 byte: NFPROTO_IPV4 or NFPROTO_IPV6)
    kLinkLayer,  // payload at link-layer header + offset (VLAN tags rebuilt)
    kL4Proto,    // meta l4proto (1 byte)
    kNetwork,    // payload at network header + offset
    kTransport,  // payload at transport header + offset
  };
  Load load = Load::kProtocol;
  uint32_t offset = 0;
  uint32_t length = 0;
  std::vector<uint8_t> mask;  // Applied before comparing when not empty.
  // Equal to `values[0]`, or (negate) different from every value.
  bool negate = false;
  std::vector<std::vector<uint8_t>> values;
  // nft syntax: the field ("ip saddr") and each value ("10.0.0.1",
  // "fe80::/10"), printed as one relation per value.
  std::string field;
  std::vector<std::string> value_text;
};

struct GuardStatement {
  std::vector<GuardMatch> matches;
  bool counter = false;
  bool accept = false;  // Otherwise drop.
  std::string comment;
};

std::vector<GuardStatement> GuardStatements(const SpoofGuard& guard);
std::vector<GuardStatement> DeliverStatements(const SpoofGuard& guard);

// The statements of GuardStatements about IPv4 and IPv6 packets, for a
// hook that sees nothing else (inet prerouting), with their `meta protocol`
// written as `meta nfproto`: nft(8) takes that as table inet's family check
// and adds none of its own, so the kernel's rules and `nft -f` of the text
// stay the same.
std::vector<GuardStatement> IpGuardStatements(const SpoofGuard& guard);

// The statement in nft syntax, written as nft(8) lists what the kernel
// holds: "<field> [!=] <value>... [counter] accept|drop [comment "..."]".
std::string GuardStatementText(const GuardStatement& s);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_GUARD_STATEMENTS_H_
