#ifndef PODWALL_ENFORCER_NFT_GUARD_RULES_H_
#define PODWALL_ENFORCER_NFT_GUARD_RULES_H_

// A pod's device chains (ruleset.h, SpoofGuard) as libnftnl objects of
// table netdev podwall: guard_<device> hooked at ingress of the host-side
// interface and deliver_<device> at its egress, both at priority -500, with
// the rules guard_statements.h lists.
//
// And the same guard after tc (ruleset.h): in tables bridge and inet
// podwall, a base chain `prerouting` at priority -500 with the one rule
// `iifname vmap @guard_devices`, a map from each guarded device to its
// regular chain guard_<device> in that table, which holds the guard's rules
// (in table inet, only those about IP packets: IpGuardStatements).

#include <cstdint>
#include <string>
#include <vector>

#include "enforcer/netlink/handles.h"
#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

// "guard_<device>" and "deliver_<device>".
std::string GuardChainName(const std::string& device);
std::string DeliverChainName(const std::string& device);

// The chains, hooked on the guard's device (`hooked`), or only naming them
// (for flush and delete).
netlink::NftChain BuildGuardChain(const std::string& device, bool hooked);
netlink::NftChain BuildDeliverChain(const std::string& device, bool hooked);

// Their rules, in order.
std::vector<netlink::NftRule> BuildGuardRules(const SpoofGuard& guard);
std::vector<netlink::NftRule> BuildDeliverRules(const SpoofGuard& guard);

// The guard after tc, in the tables of these families (NFPROTO_BRIDGE:
// bridged pods, frames of every kind; NFPROTO_INET: routed ones, and
// bridged IP packets again through br_netfilter).
inline constexpr uint16_t kAfterTcFamilies[] = {7 /* NFPROTO_BRIDGE */,
                                                1 /* NFPROTO_INET */};
inline constexpr char kGuardMapName[] = "guard_devices";
inline constexpr char kGuardBaseChain[] = "prerouting";

// `prerouting`, hooked, or only naming it (for flush).
netlink::NftChain BuildGuardBaseChain(uint16_t family, bool hooked);
// iifname vmap @guard_devices
netlink::NftRule BuildGuardDispatchRule(uint16_t family);
// The map `guard_devices` (ifname : verdict), without elements.
netlink::NftSet BuildGuardMap(uint16_t family);
// The map naming one element: `device` : jump guard_<device> (`jump`), or
// only its key (for delete).
netlink::NftSet BuildGuardMapElement(uint16_t family, const std::string& device,
                                     bool jump);
// The regular chain guard_<device> of that table.
netlink::NftChain BuildAfterTcGuardChain(uint16_t family,
                                         const std::string& device);
std::vector<netlink::NftRule> BuildAfterTcGuardRules(uint16_t family,
                                                     const SpoofGuard& guard);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_GUARD_RULES_H_
