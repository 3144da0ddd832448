#ifndef PODWALL_ENFORCER_CLI_FLOWS_COMMAND_H_
#define PODWALL_ENFORCER_CLI_FLOWS_COMMAND_H_

// `podwall flows`: the daemon's flow records, filtered, as a table an
// operator reads (pod names, aligned columns, verdicts in colour on a
// terminal) or as JSON lines; --follow streams new ones.

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "enforcer/flowlog/flow_record.h"

namespace podwall::cli {

struct FlowsOptions {
  std::string socket_path;
  bool follow = false;
  bool json_output = false;
  bool color = false;  // Set when stdout is a terminal.
  // Filters, as GET /v1/flows query parameters (since, last, namespace,
  // pod, from, to, verdict, policy, port, proto).
  std::map<std::string, std::string> filters;
};

int RunFlows(const FlowsOptions& options, std::ostream& out, std::ostream& err);

// One table row per record, columns padded to `widths` (grown as needed).
std::vector<std::string> FlowColumns(const flowlog::ParsedFlow& flow);
std::string FormatFlowRow(const std::vector<std::string>& columns,
                          std::vector<std::size_t>& widths, bool color);

}  // namespace podwall::cli

#endif  // PODWALL_ENFORCER_CLI_FLOWS_COMMAND_H_
