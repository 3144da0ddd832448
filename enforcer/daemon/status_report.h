#ifndef PODWALL_ENFORCER_DAEMON_STATUS_REPORT_H_
#define PODWALL_ENFORCER_DAEMON_STATUS_REPORT_H_

// GET /v1/status: what `podwall status` shows, as JSON. Whether the kernel
// holds the input (ready, synced, generation, the last error), each
// source's health, what is compiled and in the kernel, and the guarded
// networks.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controller/sources/source.h"
#include "enforcer/daemon/node_agent.h"

namespace podwall::daemon {

struct SourceReport {
  sources::SourceStatus status;
  bool synced = false;  // Has handed over a complete view.
};

// `flow_file_errors`: lines the flow-log file lost and the last reason,
// when there is a file.
std::string StatusJson(const NodeAgent& agent,
                       const std::vector<SourceReport>& sources,
                       const std::optional<std::pair<uint64_t, std::string>>&
                           flow_file_errors = std::nullopt);

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_STATUS_REPORT_H_
