#ifndef PODWALL_ENFORCER_CLI_REPLAY_COMMANDS_H_
#define PODWALL_ENFORCER_CLI_REPLAY_COMMANDS_H_

// `podwall what-if` and `podwall suggest`: the recorded connections (the
// flow ring from podwalld, GET /v1/flows, or a flow-log file) and the
// cluster (GET /v1/cluster, or manifests with --cluster) gathered, then
// handed to controller/what_if.h and controller/suggest.h. Offline with
// --flow-log FILE --cluster PATH: no daemon needed.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/what_if.h"

namespace podwall::cli {

struct ReplayInputs {
  std::string socket_path;
  std::string since;                 // "1h": records newer than this.
  std::string flow_log;              // A flow-log file instead of podwalld.
  std::vector<std::string> cluster;  // Manifests instead of podwalld's view.
};

struct WhatIfOptions {
  ReplayInputs inputs;
  std::vector<std::string> proposed;  // -f
  bool remove = false;                // --delete: the objects go instead.
  bool json_output = false;
};

struct SuggestOptions {
  ReplayInputs inputs;
  std::string namespace_;
  std::string pod;
};

// Exit 0 when no allowed connection would be denied, 1 when one would (or
// on failure), 2 for bad input.
int RunWhatIf(const WhatIfOptions& options, std::ostream& out,
              std::ostream& err);
// Exit 0 with the YAML on `out`.
int RunSuggest(const SuggestOptions& options, std::ostream& out,
               std::ostream& err);

// Flow-record JSON lines to distinct connections (TCP, UDP and SCTP with a
// destination port; others have no port a policy could name). Records
// older than `since` (when set) are skipped; malformed lines are counted.
struct Distinct {
  std::vector<controller::RecordedConnection> connections;
  std::size_t records = 0;
  std::size_t malformed = 0;
};
Distinct DistinctConnections(
    std::string_view json_lines,
    std::optional<std::chrono::system_clock::time_point> since);

}  // namespace podwall::cli

#endif  // PODWALL_ENFORCER_CLI_REPLAY_COMMANDS_H_
