#ifndef PODWALL_BENCH_CLUSTER_GENERATOR_H_
#define PODWALL_BENCH_CLUSTER_GENERATOR_H_

// The generated cluster every benchmark shares: by default 10,000 pods in
// 500 namespaces, 2,000 policies of realistic shapes, and 110 pods on the
// node being measured ("node-0"). Policy shapes, in turn per namespace:
// default-deny (ingress+egress), allow-same-namespace, allow-from the
// ingress-controller namespace on a named port, and DNS egress plus an
// ipBlock egress with except. Deterministic for a given seed.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "controller/cluster_state.h"
#include "policy-schema/api_types.h"

namespace podwall::bench {

struct ClusterShape {
  int pods = 10000;
  int namespaces = 500;
  int policies = 2000;
  int local_pods = 110;  // Pods whose nodeName is "node-0".
  uint64_t seed = 1;
};

struct GeneratedCluster {
  std::vector<schema::Namespace> namespaces;
  std::vector<schema::Pod> pods;
  std::vector<schema::NetworkPolicy> policies;
};

GeneratedCluster GenerateCluster(const ClusterShape& shape);

// Every object of `cluster` into `state`, as the sources would hand them.
void LoadCluster(const GeneratedCluster& cluster,
                 controller::ClusterState& state);

// The default shape, or "--pods N --namespaces N --policies N --local N"
// from a benchmark's command line (for the scaling series).
ClusterShape ShapeFromArgs(int argc, char** argv);

// The objects of one namespace, as one manifest file holds them.
struct NamespaceObjects {
  schema::Namespace ns;
  std::vector<schema::Pod> pods;
  std::vector<schema::NetworkPolicy> policies;
};

// The cluster split by namespace.
std::map<std::string, NamespaceObjects> ByNamespace(GeneratedCluster cluster);

// Writes `objects` to DIR/<namespace>.json as a JSON List (atomically: a
// temporary file renamed over the old one).
void WriteNamespaceFile(const std::string& dir,
                        const NamespaceObjects& objects);

// One more pod like the generated ones (for add/relabel events).
schema::Pod GeneratePod(const ClusterShape& shape, int index, bool local,
                        uint64_t salt);

}  // namespace podwall::bench

#endif  // PODWALL_BENCH_CLUSTER_GENERATOR_H_
