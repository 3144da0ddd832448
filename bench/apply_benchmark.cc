// Kernel apply figures on the shared generated cluster, in a private network
// namespace (issue 4 targets: full apply <= 150 ms; nft -f of the same
// ruleset for comparison, goal >= 3x slower than podwall). Prints a table
// and one JSON line; not a test. Needs root.

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bench/cluster_generator.h"
#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "enforcer/nft/netlink_backend.h"
#include "enforcer/nft/nft_text.h"
#include "enforcer/nft/renderer.h"
#include "enforcer/nft/ruleset_mirror.h"
#include "enforcer/sync/node_syncer.h"

namespace podwall::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main(int argc, char** argv) {
  if (unshare(CLONE_NEWNET) != 0) {
    std::perror("unshare(CLONE_NEWNET) (run as root)");
    return 1;
  }
  const ClusterShape shape = ShapeFromArgs(argc, argv);
  const GeneratedCluster cluster = GenerateCluster(shape);
  controller::ClusterState state;
  LoadCluster(cluster, state);
  controller::Compiler compiler("node-0");
  compiler.Rebuild(state);
  const ir::NodePolicy policy = compiler.Snapshot();

  std::vector<double> render_ms;
  nft::Ruleset ruleset;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    ruleset = nft::RenderRuleset(policy);
    render_ms.push_back(Ms(Clock::now() - t0));
  }
  std::size_t rules = 0;
  std::size_t elements = 0;
  for (const auto& c : ruleset.chains) rules += c.rules.size();
  for (const auto& s : ruleset.sets) elements += s.elements.size();

  auto backend = nft::NetlinkBackend::Create();
  if (!backend.ok()) {
    std::fprintf(stderr, "%s\n",
                 std::string(backend.status().message()).c_str());
    return 1;
  }
  const std::string text = nft::ToNftText(ruleset);
  const std::string path = "/tmp/podwall-apply-bench.nft";
  std::ofstream(path) << text;

  // A/B interleaved: podwall's netlink batch, then nft -f of the same text.
  std::vector<double> apply_ms;
  std::vector<double> nft_ms;
  std::size_t messages = 0;
  for (int i = 0; i < 7; ++i) {
    auto t0 = Clock::now();
    absl::Status st = nft::RulesetMirror(**backend).Replace(ruleset);
    apply_ms.push_back(Ms(Clock::now() - t0));
    messages = (*backend)->last_batch_messages();
    if (!st.ok()) {
      std::fprintf(stderr, "apply: %s\n", std::string(st.message()).c_str());
      return 1;
    }
    t0 = Clock::now();
    if (std::system(("nft -f " + path).c_str()) != 0) {
      std::fprintf(stderr, "nft -f failed\n");
      return 1;
    }
    nft_ms.push_back(Ms(Clock::now() - t0));
  }
  std::remove(path.c_str());

  // Incremental: one event at a time, from the compiler to the kernel
  // (compile, snapshot, render, plan, commit).
  (void)nft::RulesetMirror(**backend).DeleteTables();
  sync::NodeSyncer syncer(**backend);
  if (!syncer.Sync(compiler).ok()) return 1;
  std::vector<double> incremental_ms;
  std::vector<double> remote_ms;
  std::vector<double> local_ms;
  std::vector<double> messages_per_event;
  int element_syncs = 0;
  for (int i = 0; i < 300; ++i) {
    // Alternate: a pod elsewhere that joins peer sets, and a local pod.
    const bool local = i % 3 == 0;
    schema::Pod pod = GeneratePod(shape, shape.pods + i, local, 7);
    // A pod in a namespace whose policies this node compiled, when remote.
    if (!local) {
      pod.metadata.namespace_ =
          policy.endpoints[i % policy.endpoints.size()].namespace_;
    }
    auto w = controller::WorkloadFromPod(pod);
    const std::string key = w.key;
    const auto t0 = Clock::now();
    state.UpsertWorkload(std::move(w));
    compiler.OnWorkloadChanged(state, key);
    absl::Status st = syncer.Sync(compiler);
    incremental_ms.push_back(Ms(Clock::now() - t0));
    (local ? local_ms : remote_ms).push_back(incremental_ms.back());
    messages_per_event.push_back(syncer.last_transaction_size() == 0
                                     ? 0
                                     : (*backend)->last_batch_messages());
    if (syncer.last_was_patch()) ++element_syncs;
    if (!st.ok()) {
      std::fprintf(stderr, "sync: %s\n", std::string(st.message()).c_str());
      return 1;
    }
  }
  // The patch path must have kept the kernel exact: read back by a fresh
  // mirror, the kernel holds the whole render and is adopted as it is.
  nft::RulesetMirror check(**backend);
  if (!check.Sync(nft::RenderRuleset(compiler.Snapshot())).ok() ||
      !check.last_adopted()) {
    std::fprintf(stderr, "patches drifted from the full render\n");
    return 1;
  }
  (void)check.DeleteTables();

  std::printf(
      "ruleset for node-0: %zu chains, %zu rules, %zu sets/maps, "
      "%zu elements, %zu netlink messages\n\n",
      ruleset.chains.size(), rules, ruleset.sets.size(), elements, messages);
  std::printf("%-32s %10s %10s %10s\n", "operation", "median ms", "min ms",
              "max ms");
  auto row = [](const char* name, const std::vector<double>& v) {
    std::printf("%-32s %10.2f %10.2f %10.2f\n", name, Median(v),
                *std::min_element(v.begin(), v.end()),
                *std::max_element(v.begin(), v.end()));
  };
  row("render IR -> ruleset", render_ms);
  row("podwall apply (netlink batch)", apply_ms);
  row("nft -f (same ruleset)", nft_ms);
  std::vector<double> sorted = incremental_ms;
  std::sort(sorted.begin(), sorted.end());
  const double p99 =
      sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)];
  std::printf("%-32s %10.3f %10.3f %10.3f  (p99 %.3f ms, median %.0f msgs)\n",
              "one pod change to kernel", Median(incremental_ms),
              sorted.front(), sorted.back(), p99, Median(messages_per_event));
  auto p99_of = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, v.size() * 99 / 100)];
  };
  std::printf(
      "%-32s %10.3f %10.3f %10.3f  (p99 %.3f ms)\n", "  peer pod elsewhere",
      Median(remote_ms), *std::min_element(remote_ms.begin(), remote_ms.end()),
      *std::max_element(remote_ms.begin(), remote_ms.end()), p99_of(remote_ms));
  std::printf(
      "%-32s %10.3f %10.3f %10.3f  (p99 %.3f ms)\n", "  new pod on this node",
      Median(local_ms), *std::min_element(local_ms.begin(), local_ms.end()),
      *std::max_element(local_ms.begin(), local_ms.end()), p99_of(local_ms));
  std::printf("(%d of %zu events took the patch path (no whole render))\n",
              element_syncs, incremental_ms.size());
  std::printf("\nnft -f / podwall: %.2fx\n", Median(nft_ms) / Median(apply_ms));
  std::printf(
      "{\"apply_full_ms\":%.2f,\"nft_cli_full_ms\":%.2f,"
      "\"nft_cli_vs_podwall_apply\":%.2f,\"apply_incremental_p99_ms\":%.3f,"
      "\"apply_local_pod_p99_ms\":%.3f,\"apply_peer_pod_p99_ms\":%.3f}\n",
      Median(apply_ms), Median(nft_ms), Median(nft_ms) / Median(apply_ms), p99,
      p99_of(local_ms), p99_of(remote_ms));
  return 0;
}

}  // namespace
}  // namespace podwall::bench

int main(int argc, char** argv) { return podwall::bench::Main(argc, argv); }
