#ifndef PODWALL_ENFORCER_NFT_GUARD_RULES_H_
#define PODWALL_ENFORCER_NFT_GUARD_RULES_H_

// Anti-spoofing guards as libnftnl objects of table netdev podwall: one
// base chain on each pod's host-side interface (hook ingress, priority
// -500, before bridging or routing) and its rules:
//   ip saddr <each IPv4 address> accept
//   ip6 saddr fe80::/10 accept; ip6 saddr :: accept
//   ip6 saddr <each IPv6 address> accept
//   meta protocol ip counter drop; meta protocol ip6 counter drop
// Anything else (ARP) passes.

#include <string>
#include <vector>

#include "enforcer/netlink/handles.h"
#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

// "guard_<device>".
std::string GuardChainName(const std::string& device);

// The chain, hooked on the guard's device (`hooked`), or only naming it
// (for flush and delete).
netlink::NftChain BuildGuardChain(const std::string& device, bool hooked);

// The guard's rules, in order.
std::vector<netlink::NftRule> BuildGuardRules(const SpoofGuard& guard);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_GUARD_RULES_H_
