#ifndef PODWALL_ENFORCER_LINKS_NODE_ADDRESSES_H_
#define PODWALL_ENFORCER_LINKS_NODE_ADDRESSES_H_

// The addresses of this network namespace's own interfaces: the node's
// (and its host-network pods'). Flow records name them "host"; the
// established-connection check never judges a connection with them.

#include <set>

#include "policy-schema/ip_prefix.h"

namespace podwall::links {

// Empty when the interfaces cannot be read.
std::set<schema::IpAddress> NodeAddresses();

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_NODE_ADDRESSES_H_
