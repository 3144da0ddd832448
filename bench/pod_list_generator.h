#ifndef PODWALL_BENCH_POD_LIST_GENERATOR_H_
#define PODWALL_BENCH_POD_LIST_GENERATOR_H_

// Generates a PodList as the Kubernetes API server returns it: items without
// kind, with the metadata, managedFields, container specs and status
// conditions a real Deployment's pods carry (about 3 KB per pod), spread over
// namespaces and nodes. Deterministic for a given seed.

#include <cstdint>
#include <string>

namespace podwall::bench {

struct PodListShape {
  int pods = 10000;
  int namespaces = 500;
  int nodes = 100;
  uint64_t seed = 1;
};

std::string GeneratePodListJson(const PodListShape& shape);

}  // namespace podwall::bench

#endif  // PODWALL_BENCH_POD_LIST_GENERATOR_H_
