#ifndef PODWALL_ENFORCER_NFT_GUARD_RULES_H_
#define PODWALL_ENFORCER_NFT_GUARD_RULES_H_

// A pod's device chains (ruleset.h, SpoofGuard) as libnftnl objects of
// table netdev podwall: guard_<device> hooked at ingress of the host-side
// interface and deliver_<device> at its egress, both at priority -500, with
// the rules guard_statements.h lists.

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

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_GUARD_RULES_H_
