#ifndef PODWALL_ENFORCER_CLI_TRACE_COMMAND_H_
#define PODWALL_ENFORCER_CLI_TRACE_COMMAND_H_

// `podwall trace --from NS/POD --to NS/POD --port N[/proto] [--probe]
//  [--wait D] [-o json]`: asks podwalld to trace the connection in the
// kernel (POST /v1/trace) and prints the path beside explain's answer.

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

namespace podwall::cli {

// Exit code when the kernel and the model disagree.
inline constexpr int kExitDisagree = 3;

struct TraceOptions {
  std::string socket_path;
  std::string from;
  std::string to;
  std::string port;
  std::string wait = "10s";
  int family = 0;  // 0: as explain picks.
  bool probe = false;
  bool json_output = false;
};

// Exit 0 when kernel and model agree, 3 when they disagree, 1 when no
// packet was traced or podwalld failed, 2 for bad input.
int RunTrace(const TraceOptions& options, std::ostream& out, std::ostream& err);

}  // namespace podwall::cli

#endif  // PODWALL_ENFORCER_CLI_TRACE_COMMAND_H_
