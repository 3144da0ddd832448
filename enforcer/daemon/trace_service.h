#ifndef PODWALL_ENFORCER_DAEMON_TRACE_SERVICE_H_
#define PODWALL_ENFORCER_DAEMON_TRACE_SERVICE_H_

// POST /v1/trace: `podwall trace`. Resolves the two pods and the port as
// `podwall explain` does, arms the kernel's tracing for that connection
// (enforcer/trace), optionally sends one attempt from the source pod's own
// network namespace, collects the first traced packet's path, disarms, and
// answers late with the path beside the model's answer (TraceReport).
//
// Bounded: one trace at a time (another gets 409), at most
// kMaxWait, at most kMaxEvents events kept; the trace is disarmed when the
// answer goes, when the client hangs up, and when the service is
// destroyed (and any trace chain a crashed daemon left is removed at
// start). Root only: the control socket is group-readable, and a trace
// changes the kernel.
//
// Request: {"from":"NS/POD","to":"NS/POD","port":"80/tcp","waitMs":10000,
//           "probe":true}
// Single-threaded (the daemon loop).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "enforcer/daemon/http_server.h"
#include "enforcer/daemon/logger.h"
#include "enforcer/daemon/node_agent.h"
#include "enforcer/daemon/timers.h"
#include "enforcer/netlink/handles.h"
#include "enforcer/trace/trace_kernel.h"
#include "enforcer/trace/trace_report.h"

namespace podwall::daemon {

class TraceService {
 public:
  static constexpr std::chrono::seconds kMaxWait{60};
  static constexpr std::chrono::seconds kDefaultWait{10};
  static constexpr std::size_t kMaxEvents = 256;
  // After the traced packet's last event: its path is complete (a packet
  // crosses the node's hooks in microseconds).
  static constexpr std::chrono::milliseconds kQuiet{300};

  struct Seams {
    trace::TraceKernel* kernel = nullptr;  // Null: tracing unavailable.
    std::function<absl::Status(int fd, std::function<void()>)> watch;
    std::function<void(int fd)> unwatch;
    // The namespace of a host-side device's peer (links::OpenPeerNetns).
    std::function<absl::StatusOr<netlink::UniqueFd>(const std::string&)>
        open_netns;
    std::function<absl::StatusOr<netlink::UniqueFd>(int netns_fd,
                                                    const trace::TraceTarget&)>
        start_probe;
    std::function<std::string(int fd, ir::Protocol)> probe_outcome;
  };

  TraceService(const NodeAgent& agent, Timers& timers, StreamWriter& writer,
               Seams seams, Logger& log);
  ~TraceService();
  TraceService(const TraceService&) = delete;
  TraceService& operator=(const TraceService&) = delete;

  HttpResponse Handle(const HttpRequest& req);
  void ConnectionClosed(int connection);
  bool active() const { return active_ != nullptr; }

 private:
  struct Active;
  void OnEvents();
  void Finish();
  void Stop();
  trace::RuleInfo Describe(const trace::TraceEvent& e);

  const NodeAgent& agent_;
  Timers& timers_;
  StreamWriter& writer_;
  Seams seams_;
  Logger& log_;
  std::unique_ptr<Active> active_;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_TRACE_SERVICE_H_
