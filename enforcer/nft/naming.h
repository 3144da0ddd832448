#ifndef PODWALL_ENFORCER_NFT_NAMING_H_
#define PODWALL_ENFORCER_NFT_NAMING_H_

// Names of podwall's nftables objects: stable for the same IR object (so a
// restarted daemon renders the same ruleset and adopts its table), valid
// nft identifiers, and short enough for the kernel (sets 255 bytes, chains
// 255 bytes).

#include <cstdint>
#include <string>
#include <string_view>

#include "policy-schema/ip_prefix.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::nft {

// 64-bit FNV-1a of `s`: the stable hash behind generated names and rule
// numbers.
uint64_t StableHash(std::string_view s);

// Sets of one IR set, per family: "pods_<hash>_v4", "cidr_...", "named_...".
std::string PodSetName(const std::string& id, schema::IpFamily family);
std::string CidrSetName(const std::string& id, schema::IpFamily family);
std::string PortSetName(const std::string& id, schema::IpFamily family);
// "in_<ns>/<pod>", "out_<ns>/<pod>" (a hash for very long names).
std::string EndpointChainName(const std::string& endpoint_id,
                              ir::Direction direction);
// The verdict maps: "ingress_v4", "egress_v6", ...
std::string VerdictMapName(ir::Direction direction, schema::IpFamily family);
// Guarded networks: their ranges, and the known local pods' addresses.
std::string GuardedSetName(schema::IpFamily family);
std::string KnownSetName(schema::IpFamily family);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_NAMING_H_
