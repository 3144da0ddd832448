#ifndef PODWALL_ENFORCER_LINKS_VETH_DISCOVERY_H_
#define PODWALL_ENFORCER_LINKS_VETH_DISCOVERY_H_

// Finds each local pod's host-side interface from its address, with
// rtnetlink in the caller's network namespace, in this order:
//   routed veths (ptp, Calico-style): the /32 or /128 route to the pod
//     names the veth;
//   any veth whose peer sits in another namespace: the addresses
//     configured on that peer (read across namespaces with
//     IFA_TARGET_NETNSID) are the pod's; this finds bridged pods (bridge
//     plugin, docker0) before they send a packet; an address claimed
//     behind two veths is ignored;
//   bridged veths, as a fallback: the neighbour entry gives the pod's MAC
//     on the bridge, and the bridge's forwarding database the port (veth)
//     that MAC sits behind.

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
