#ifndef PODWALL_CONTROLLER_CLUSTER_DUMP_H_
#define PODWALL_CONTROLLER_CLUSTER_DUMP_H_

// The objects a ClusterState holds, back as one Kubernetes JSON List
// (Namespaces, Pods, NetworkPolicies, ClusterNetworkPolicies, Nodes) that
// the manifest decoder reads: podwalld serves it (GET /v1/cluster) so that
// `podwall what-if` and `podwall suggest` see the cluster the node
// enforces. Pods come back with what policy needs of them (labels, node,
// addresses, named ports, hostNetwork, phase), nothing more.

#include <string>

#include "controller/cluster_state.h"

namespace podwall::controller {

std::string ClusterStateToJsonList(const ClusterState& state);

// The Pod a Workload stands for (WorkloadFromPod's inverse, as far as it
// kept anything).
schema::Pod PodFromWorkload(const Workload& w);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_CLUSTER_DUMP_H_
