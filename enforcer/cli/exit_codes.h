#ifndef PODWALL_ENFORCER_CLI_EXIT_CODES_H_
#define PODWALL_ENFORCER_CLI_EXIT_CODES_H_

// Exit codes of every podwall binary (design.md contract).

#include "absl/status/status.h"

namespace podwall::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeFailure = 1;
inline constexpr int kExitBadInput = 2;

// InvalidArgument (bad usage or input) maps to 2, any other error to 1.
inline int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  return status.code() == absl::StatusCode::kInvalidArgument
             ? kExitBadInput
             : kExitRuntimeFailure;
}

}  // namespace podwall::cli

#endif  // PODWALL_ENFORCER_CLI_EXIT_CODES_H_
