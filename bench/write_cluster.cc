// write_cluster DIR [PODS NAMESPACES POLICIES LOCAL_PODS]: the generated
// benchmark cluster as one JSON List per namespace in DIR (default shape:
// 10,000 pods, 500 namespaces, 2,000 policies, 110 pods on node-0).

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "bench/cluster_generator.h"

int main(int argc, char** argv) {
  if (argc != 2 && argc != 6) {
    std::fprintf(stderr,
                 "usage: write_cluster DIR [PODS NAMESPACES POLICIES "
                 "LOCAL_PODS]\n");
    return 2;
  }
  podwall::bench::ClusterShape shape;
  if (argc == 6) {
    shape.pods = std::atoi(argv[2]);
    shape.namespaces = std::atoi(argv[3]);
    shape.policies = std::atoi(argv[4]);
    shape.local_pods = std::atoi(argv[5]);
  }
  std::filesystem::create_directories(argv[1]);
  for (const auto& [name, objects] :
       podwall::bench::ByNamespace(podwall::bench::GenerateCluster(shape))) {
    podwall::bench::WriteNamespaceFile(argv[1], objects);
  }
  return 0;
}
