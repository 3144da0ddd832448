#ifndef PODWALL_ENFORCER_CLI_COMPILE_COMMAND_H_
#define PODWALL_ENFORCER_CLI_COMPILE_COMMAND_H_

// The sub-commands that compile manifests and drive the kernel:
// `podwall apply`, `podwall uninstall` and `podwall explain`.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace podwall::cli {

struct ApplyOptions {
  std::vector<std::string> paths;
  std::string node_name;  // Empty: this machine's hostname.
  bool dry_run = false;
  std::string output = "nft";  // With --dry-run: "nft" or "ir".
};

// Compiles, renders and applies in one netlink batch (exit 0 once the
// kernel has it, 1 on a kernel error, 2 on bad input); with --dry-run
// prints instead.
int RunApply(const ApplyOptions& options, std::ostream& out, std::ostream& err);

// `podwall uninstall`: deletes table inet podwall and nothing else.
int RunUninstall(std::ostream& out, std::ostream& err);

struct ExplainOptions {
  std::vector<std::string> paths;
  std::string from;
  std::string to;
  std::string port;
  std::optional<int> family;  // 4 or 6.
  bool json_output = false;
};

int RunExplain(const ExplainOptions& options, std::ostream& out,
               std::ostream& err);

}  // namespace podwall::cli

#endif  // PODWALL_ENFORCER_CLI_COMPILE_COMMAND_H_
