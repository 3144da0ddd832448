#ifndef PODWALL_ENFORCER_CLI_STATUS_COMMAND_H_
#define PODWALL_ENFORCER_CLI_STATUS_COMMAND_H_

// `podwall status [-o json] [--socket PATH]`: what the daemon reports.

#include <ostream>
#include <string>

namespace podwall::cli {

struct StatusOptions {
  std::string socket_path;
  bool json_output = false;
};

// Exit 0 when the daemon answered and is synced, 1 when it is not synced
// or cannot be reached.
int RunStatus(const StatusOptions& options, std::ostream& out,
              std::ostream& err);

// The human-readable form of a /v1/status document.
std::string FormatStatus(const std::string& json);

}  // namespace podwall::cli

#endif  // PODWALL_ENFORCER_CLI_STATUS_COMMAND_H_
