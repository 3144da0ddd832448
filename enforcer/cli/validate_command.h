#ifndef PODWALL_ENFORCER_CLI_VALIDATE_COMMAND_H_
#define PODWALL_ENFORCER_CLI_VALIDATE_COMMAND_H_

// `podwall validate -f PATH...`: decode, default and validate manifests as
// `apply` will, without compiling or touching the kernel.

#include <ostream>
#include <string>
#include <vector>

namespace podwall::cli {

struct ValidateOptions {
  std::vector<std::string> paths;
  bool json_output = false;
};

// Writes a summary to `out`, warnings and errors to `err`; returns the exit
// code (0 valid, 2 invalid input).
int RunValidate(const ValidateOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace podwall::cli

#endif  // PODWALL_ENFORCER_CLI_VALIDATE_COMMAND_H_
