#ifndef PODWALL_TESTS_SUPPORT_GOLDEN_CASES_H_
#define PODWALL_TESTS_SUPPORT_GOLDEN_CASES_H_

// The data-driven scenarios under tests/golden/ir/, shared by the compiler,
// renderer and kernel tests. Paths are relative to the repository root
// (ctest runs tests there).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/cluster_state.h"

namespace podwall::testing {

inline constexpr char kGoldenRoot[] = "tests/golden/ir";

// Case directory names, sorted ("01-no-policies", ...).
std::vector<std::string> GoldenCaseNames();

// The case's directory path.
std::string GoldenCaseDir(const std::string& name);

// Loads base.yaml plus the case's policies.yaml into `state`.
absl::Status LoadGoldenCase(const std::string& name,
                            controller::ClusterState& state);

// A gtest parameter name for a case ("01-no-policies" -> "01_no_policies").
std::string GoldenTestName(const std::string& name);

}  // namespace podwall::testing

#endif  // PODWALL_TESTS_SUPPORT_GOLDEN_CASES_H_
