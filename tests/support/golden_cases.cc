#include "tests/support/golden_cases.h"

#include <algorithm>
#include <filesystem>

#include "controller/state_loader.h"
#include "policy-schema/manifest.h"

namespace podwall::testing {

std::vector<std::string> GoldenCaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(kGoldenRoot, ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string GoldenCaseDir(const std::string& name) {
  return std::string(kGoldenRoot) + "/" + name;
}

absl::Status LoadGoldenCase(const std::string& name,
                            controller::ClusterState& state) {
  absl::StatusOr<schema::ManifestSet> set =
      schema::LoadManifests({std::string(kGoldenRoot) + "/base.yaml",
                             GoldenCaseDir(name) + "/policies.yaml"});
  if (!set.ok()) return set.status();
  controller::LoadIntoState(*set, state);
  return absl::OkStatus();
}

std::string GoldenTestName(const std::string& name) {
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

}  // namespace podwall::testing
