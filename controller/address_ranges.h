#ifndef PODWALL_CONTROLLER_ADDRESS_RANGES_H_
#define PODWALL_CONTROLLER_ADDRESS_RANGES_H_

// Interval arithmetic on addresses: an ipBlock (cidr minus except) as
// disjoint ranges, unions of such lists, and membership.

#include <vector>

#include "policy-schema/api_types.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::controller {

// The addresses of a valid ipBlock: cidr with every except removed. Sorted,
// disjoint and not adjacent.
std::vector<ir::AddressRange> IpBlockRanges(const schema::IPBlock& block);

// Sorts and coalesces overlapping or adjacent ranges (per family).
std::vector<ir::AddressRange> NormalizeRanges(std::vector<ir::AddressRange> r);

// True when `ip` lies in one of the (normalized) ranges.
bool RangesContain(const std::vector<ir::AddressRange>& ranges,
                   const schema::IpAddress& ip);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_ADDRESS_RANGES_H_
