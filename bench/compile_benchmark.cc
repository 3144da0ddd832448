// Compiler figures on the shared generated cluster (issue 3 targets: full
// compile <= 200 ms, one pod add/relabel or policy change <= 1 ms at p99,
// peak memory <= 150 MB). Prints a table and one JSON line; not a test.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/cluster_generator.h"
#include "controller/cluster_state.h"
#include "controller/compiler.h"

namespace podwall::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct Series {
  const char* name;
  std::vector<double> ms;
};

int Main(int argc, char** argv) {
  const ClusterShape shape = ShapeFromArgs(argc, argv);
  const GeneratedCluster cluster = GenerateCluster(shape);
  controller::ClusterState state;
  const auto load_start = Clock::now();
  LoadCluster(cluster, state);
  const double load_ms = Ms(Clock::now() - load_start);

  controller::Compiler compiler("node-0");
  std::vector<double> full;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    compiler.Rebuild(state);
    full.push_back(Ms(Clock::now() - t0));
  }
  (void)compiler.TakeDelta();
  const ir::NodePolicy snapshot = compiler.Snapshot();
  std::size_t elements = 0;
  for (const auto& s : snapshot.pod_sets) elements += s.addresses.size();
  for (const auto& s : snapshot.port_sets) elements += s.tuples.size();

  Series pod_add{"pod add (remote)", {}};
  Series local_add{"pod add (local)", {}};
  Series relabel{"pod relabel", {}};
  Series policy_change{"policy change", {}};
  std::vector<std::size_t> delta_sizes;
  const int events = 500;
  for (int i = 0; i < events; ++i) {
    // A new pod somewhere in the cluster.
    {
      schema::Pod pod = GeneratePod(shape, shape.pods + i, false, 1);
      auto w = controller::WorkloadFromPod(pod);
      const std::string key = w.key;
      const auto t0 = Clock::now();
      state.UpsertWorkload(std::move(w));
      compiler.OnWorkloadChanged(state, key);
      pod_add.ms.push_back(Ms(Clock::now() - t0));
      delta_sizes.push_back(compiler.TakeDelta().size());
    }
    // A new pod on this node.
    {
      schema::Pod pod = GeneratePod(shape, shape.pods + events + i, true, 2);
      auto w = controller::WorkloadFromPod(pod);
      const std::string key = w.key;
      const auto t0 = Clock::now();
      state.UpsertWorkload(std::move(w));
      compiler.OnWorkloadChanged(state, key);
      local_add.ms.push_back(Ms(Clock::now() - t0));
      (void)compiler.TakeDelta();
    }
    // Relabel an existing pod (every 10th is local).
    {
      const auto& pod = cluster.pods[(i * 97) % cluster.pods.size()];
      auto w = controller::WorkloadFromPod(pod);
      w.labels["app"] = i % 2 ? "api" : "cache";
      w.labels["tier"] = i % 3 ? "frontend" : "backend";
      const std::string key = w.key;
      const auto t0 = Clock::now();
      state.UpsertWorkload(std::move(w));
      compiler.OnWorkloadChanged(state, key);
      relabel.ms.push_back(Ms(Clock::now() - t0));
      (void)compiler.TakeDelta();
    }
    // Change a policy (alternate between two shapes of the same name).
    {
      schema::NetworkPolicy np =
          cluster.policies[(i * 13) % cluster.policies.size()];
      if (i % 2 == 0) np.spec.pod_selector.match_labels["version"] = "v1";
      const std::string key = np.metadata.namespace_ + "/" + np.metadata.name;
      const auto t0 = Clock::now();
      state.UpsertPolicy(np);
      compiler.OnPolicyChanged(state, key);
      policy_change.ms.push_back(Ms(Clock::now() - t0));
      (void)compiler.TakeDelta();
    }
  }

  std::printf("cluster: %d pods, %d namespaces, %d policies, %d local pods\n",
              shape.pods, shape.namespaces, shape.policies, shape.local_pods);
  std::printf(
      "IR for node-0: %zu endpoints, %zu rules, %zu pod sets, "
      "%zu cidr sets, %zu port sets, %zu set elements\n\n",
      snapshot.endpoints.size(), snapshot.rules.size(),
      snapshot.pod_sets.size(), snapshot.cidr_sets.size(),
      snapshot.port_sets.size(), elements);
  std::printf("%-22s %10s %10s %10s\n", "operation", "p50 ms", "p99 ms",
              "max ms");
  std::printf("%-22s %10.2f %10s %10s\n", "load state (once)", load_ms, "-",
              "-");
  std::printf("%-22s %10.2f %10.2f %10.2f\n", "full compile",
              Percentile(full, 0.5), Percentile(full, 0.99),
              *std::max_element(full.begin(), full.end()));
  double worst_p99 = 0;
  for (const Series* s : {&pod_add, &local_add, &relabel, &policy_change}) {
    const double p99 = Percentile(s->ms, 0.99);
    worst_p99 = std::max(worst_p99, p99);
    std::printf("%-22s %10.3f %10.3f %10.3f\n", s->name, Percentile(s->ms, 0.5),
                p99, *std::max_element(s->ms.begin(), s->ms.end()));
  }
  std::printf("\nremote pod add delta: p50 %zu objects/elements\n",
              delta_sizes[delta_sizes.size() / 2]);
  std::printf("peak RSS: %.1f MB\n", PeakRssKb() / 1024.0);
  std::printf(
      "{\"state_load_ms\":%.2f,\"compile_full_ms\":%.2f,"
      "\"compile_incremental_p99_ms\":%.3f,\"compile_peak_rss_mb\":%.1f}\n",
      load_ms, Percentile(full, 0.5), worst_p99, PeakRssKb() / 1024.0);
  return 0;
}

}  // namespace
}  // namespace podwall::bench

int main(int argc, char** argv) { return podwall::bench::Main(argc, argv); }
