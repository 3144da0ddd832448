#include "tests/support/golden_cases.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "controller/state_loader.h"
#include "policy-schema/manifest.h"

namespace podwall::test_support {

#ifndef PODWALL_GOLDEN_ROOT
#error "PODWALL_GOLDEN_ROOT must name tests/golden/ir (set by CMake)"
#endif

std::string GoldenRoot() { return PODWALL_GOLDEN_ROOT; }

std::vector<std::string> GoldenCaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(GoldenRoot(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename());
  }
  if (names.empty()) {
    std::fprintf(stderr, "no golden cases under %s%s%s\n", GoldenRoot().c_str(),
                 ec ? ": " : "", ec ? ec.message().c_str() : "");
    std::abort();
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string GoldenCaseDir(const std::string& name) {
  return GoldenRoot() + "/" + name;
}

absl::Status LoadGoldenCase(const std::string& name,
                            controller::ClusterState& state) {
  absl::StatusOr<schema::ManifestSet> set = schema::LoadManifests(
      {GoldenRoot() + "/base.yaml", GoldenCaseDir(name) + "/policies.yaml"});
  if (!set.ok()) return set.status();
  controller::LoadIntoState(*set, state);
  return absl::OkStatus();
}

std::string GoldenTestName(const std::string& name) {
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

}  // namespace podwall::test_support
