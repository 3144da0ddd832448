#ifndef PODWALL_TESTS_SUPPORT_GOLDEN_CASES_H_
#define PODWALL_TESTS_SUPPORT_GOLDEN_CASES_H_

// The data-driven scenarios under tests/golden/ir/, shared by the compiler,
// renderer and kernel tests. The root is an absolute path CMake compiles in,
// so a test finds its cases from any working directory.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/cluster_state.h"

namespace podwall::test_support {

// The directory holding base.yaml and one directory per case.
std::string GoldenRoot();

// Case directory names, sorted ("01-no-policies", ...). Never empty: a
// missing or empty root aborts the test binary with a message naming it, so
// a misconfigured run cannot pass by finding nothing to check.
std::vector<std::string> GoldenCaseNames();

// The case's directory path.
std::string GoldenCaseDir(const std::string& name);

// Loads base.yaml plus the case's policies.yaml into `state`.
absl::Status LoadGoldenCase(const std::string& name,
                            controller::ClusterState& state);

// A gtest parameter name for a case ("01-no-policies" -> "01_no_policies").
std::string GoldenTestName(const std::string& name);

}  // namespace podwall::test_support

#endif  // PODWALL_TESTS_SUPPORT_GOLDEN_CASES_H_
