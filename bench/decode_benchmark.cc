// Decoding throughput of the policy-schema decoders on API-server-shaped
// input. Target (issue 2): a 10,000-pod PodList (~30 MB) in under 0.3 s.
// And the whole manifest path (decode, default, validate, positions) on a
// mixed-kind List as `kubectl get -o json` writes one, the shared
// generated cluster (10,000 pods, 2,000 policies, 500 namespaces): target
// (issue 18) linear, 150 ms for 6 MB of JSON; as YAML, what yaml-cpp
// itself takes (BM_YamlCppLoadOnly) plus little.

#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "bench/cluster_generator.h"
#include "bench/pod_list_generator.h"
#include "policy-schema/decode.h"
#include "policy-schema/encode.h"
#include "policy-schema/manifest.h"

namespace podwall::bench {
namespace {

void BM_DecodePodListJson(benchmark::State& state) {
  const std::string json =
      GeneratePodListJson({.pods = static_cast<int>(state.range(0))});
  for (auto _ : state) {
    auto result = schema::DecodeJson(json, "pods.json");
    if (!result.ok() ||
        result->objects.size() != static_cast<std::size_t>(state.range(0))) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * json.size());
  state.counters["input_mb"] = json.size() / 1e6;
  state.counters["pods"] = state.range(0);
}
BENCHMARK(BM_DecodePodListJson)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

// The same objects as YAML: why large inputs must take the JSON path.
void BM_DecodePodListYaml(benchmark::State& state) {
  // JSON is valid YAML (flow style), so the same text exercises yaml-cpp.
  const std::string text =
      GeneratePodListJson({.pods = static_cast<int>(state.range(0))});
  for (auto _ : state) {
    auto result = schema::DecodeYaml(text, "pods.yaml");
    if (!result.ok()) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_DecodePodListYaml)->Arg(100)->Unit(benchmark::kMillisecond);

// The generated cluster (scaled by the argument, in thousands of pods) as
// one JSON List of every kind.
std::string ClusterListJson(int thousands) {
  ClusterShape shape;
  shape.pods = thousands * 1000;
  shape.namespaces = std::max(1, thousands * 50);
  shape.policies = thousands * 200;
  const GeneratedCluster c = GenerateCluster(shape);
  std::string out = R"({"apiVersion":"v1","kind":"List","items":[)";
  bool first = true;
  auto add = [&](const schema::Object& o) {
    absl::StrAppend(&out, first ? "" : ",\n", schema::EncodeJson(o));
    first = false;
  };
  for (const auto& ns : c.namespaces) add(ns);
  for (const auto& pod : c.pods) add(pod);
  for (const auto& np : c.policies) add(np);
  return out + "]}\n";
}

void BM_ParseManifestsClusterListJson(benchmark::State& state) {
  const std::string json = ClusterListJson(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto result = schema::ParseManifests(json, "cluster.json");
    if (!result.ok()) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * json.size());
  state.counters["input_mb"] = json.size() / 1e6;
}
BENCHMARK(BM_ParseManifestsClusterListJson)
    ->Arg(1)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond);

// The same List as YAML (JSON is YAML's flow style; "---" sends it down
// the YAML path), through podwall's whole path and through yaml-cpp alone:
// the difference is podwall's.
void BM_ParseManifestsClusterListYaml(benchmark::State& state) {
  const std::string text = ClusterListJson(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto result = schema::ParseManifests("---\n" + text, "cluster.yaml");
    if (!result.ok()) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ParseManifestsClusterListYaml)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

void BM_YamlCppLoadOnly(benchmark::State& state) {
  const std::string text = ClusterListJson(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(YAML::Load(text));
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_YamlCppLoadOnly)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace podwall::bench

BENCHMARK_MAIN();
