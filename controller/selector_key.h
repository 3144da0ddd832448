#ifndef PODWALL_CONTROLLER_SELECTOR_KEY_H_
#define PODWALL_CONTROLLER_SELECTOR_KEY_H_

// Canonical text for label selectors and peer identities, used as the IDs of
// the IR's shared sets: two peers that select the same pods by the same
// selector share one set, whatever policy they come from.

#include <string>
#include <vector>

#include "policy-schema/api_types.h"
#include "policy-schema/ir/node_policy.h"
#include "policy-schema/label_selector.h"

namespace podwall::controller {

// kubectl-like and order-independent: "app=web,tier in (a,b),!legacy,zone";
// "*" for the empty selector.
std::string CanonicalSelector(const schema::LabelSelector& selector);

// The ID of the pod set a peer of a policy in namespace `policy_ns` picks:
// "pods{ns=x;app=web}", "pods{nssel=team=a;*}".
std::string PodSetId(const std::string& policy_ns,
                     const schema::NetworkPolicyPeer& peer);

// The ID of a CIDR set: its disjoint, sorted ranges,
// "cidr{10.0.0.0-10.0.255.255,192.168.1.7}".
std::string CidrSetId(const std::vector<ir::AddressRange>& ranges);

// The ID of the address . protocol . port set that resolves an egress
// rule's named ports: its peers (pod sets, CIDR set, or any) and the port
// names, so that rules saying the same share one set,
// "named{pods{ns=x;app=db};;TCP/http}", "named{*;;UDP/dns}".
std::string PortSetId(const ir::Rule& rule);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_SELECTOR_KEY_H_
