// Decoding throughput of the policy-schema decoders on API-server-shaped
// input. Target (issue 2): a 10,000-pod PodList (~30 MB) in under 0.3 s.

#include <benchmark/benchmark.h>

#include "bench/pod_list_generator.h"
#include "policy-schema/decode.h"

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

}  // namespace
}  // namespace podwall::bench

BENCHMARK_MAIN();
