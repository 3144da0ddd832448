#ifndef PODWALL_ENFORCER_NFT_ENDPOINT_CHAINS_H_
#define PODWALL_ENFORCER_NFT_ENDPOINT_CHAINS_H_

// The chains of one direction of one local endpoint, which its verdict-map
// entries jump to. A direction is evaluated in tiers:
//
//   chain in_<ns>/<pod>                (the entry; only with Admin rules)
//     ct state invalid drop
//     Admin rules in order: Accept ... return, Deny ... drop,
//                           Pass ... goto innp_<ns>/<pod>
//     goto innp_<ns>/<pod>
//   chain innp_<ns>/<pod>              (the entry itself without Admin rules)
//     ct state invalid drop
//     NetworkPolicy isolates: its allow rules ... return; log; counter drop
//     otherwise Baseline rules in order: Accept/Pass ... return, Deny drop
//
// A return goes back to the forward chain: allowed in this direction (an
// egress then meets the destination's ingress). Without anything after the
// Admin rules there is no second chain and a Pass returns.

#include <optional>
#include <vector>

#include "enforcer/nft/renderer.h"
#include "enforcer/nft/ruleset.h"
#include "enforcer/nft/set_names.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::nft {

// Empty when nothing is enforced in this direction (the endpoint gets no
// map entry for it). The first chain is the entry.
std::vector<Chain> RenderSideChains(const ir::Endpoint& ep, ir::Direction dir,
                                    const RuleLookup& find_rule,
                                    const RenderOptions& options,
                                    const SetNames& names);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_ENDPOINT_CHAINS_H_
