#ifndef PODWALL_ENFORCER_LINKS_VETH_DISCOVERY_H_
#define PODWALL_ENFORCER_LINKS_VETH_DISCOVERY_H_

// Finds each local pod's host-side interface from its address, with libnl
// (rtnetlink) in the caller's network namespace:
//   routed veths (ptp, Calico-style): the /32 or /128 route to the pod
//     names the veth;
//   bridged veths (bridge plugin, docker0): the neighbour entry gives the
//     pod's MAC on the bridge, and the bridge's forwarding database the
//     port (veth) that MAC sits behind.
// A bridged pod the node has not exchanged a packet with yet has no
// neighbour entry; it is reported as unknown until it has.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "policy-schema/ip_prefix.h"

namespace podwall::enforcer {

// Address -> host-side interface name, for every address one of the two
// methods resolves. Internal error when rtnetlink cannot be read.
absl::StatusOr<std::map<schema::IpAddress, std::string>>
DiscoverPodInterfaces();

}  // namespace podwall::enforcer

#endif  // PODWALL_ENFORCER_LINKS_VETH_DISCOVERY_H_
