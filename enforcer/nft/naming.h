#ifndef PODWALL_ENFORCER_NFT_NAMING_H_
#define PODWALL_ENFORCER_NFT_NAMING_H_

// Names of podwall's nftables objects: stable for the same IR object (so a
// restarted daemon renders the same ruleset and adopts its table), valid
// nft identifiers, and short enough for the kernel (sets 255 bytes, chains
// 255 bytes). The sets' names are SetNames' (set_names.h).

#include <cstdint>
#include <string>
#include <string_view>

#include "policy-schema/ip_prefix.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::nft {

// 64-bit FNV-1a of `s`: a stable spread for rule numbers (which probe on
// collision). Names an attacker could aim at use SHA-256 (set_names.h).
uint64_t StableHash(std::string_view s);

// "in_<ns>/<pod>", "out_<ns>/<pod>"; names too long for the kernel become
// 128 bits of their SHA-256 ("in_h<hex>"). Pod names are unique in their
// namespace, so chain names are unique.
std::string EndpointChainName(const std::string& endpoint_id,
                              ir::Direction direction);
// Where an endpoint's Admin-tier rules hand over (a Pass, or no Admin rule
// matching): its NetworkPolicy and Baseline rules, "innp_<ns>/<pod>",
// "outnp_<ns>/<pod>". Only when the endpoint has Admin-tier rules; else
// those rules are in EndpointChainName's chain.
std::string AfterAdminChainName(const std::string& endpoint_id,
                                ir::Direction direction);
// The verdict maps: "ingress_v4", "egress_v6", ...
std::string VerdictMapName(ir::Direction direction, schema::IpFamily family);
// Guarded networks: their ranges, and the known local pods' addresses.
std::string GuardedSetName(schema::IpFamily family);
std::string KnownSetName(schema::IpFamily family);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_NAMING_H_
