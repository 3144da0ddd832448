#ifndef PODWALL_ENFORCER_DAEMON_DAEMON_H_
#define PODWALL_ENFORCER_DAEMON_DAEMON_H_

// podwalld: the wiring of the node daemon's parts on one event loop.
//
//   SourceSet (manifests, Kubernetes, Docker) ─▶ NodeAgent (ClusterInput,
//     SyncScheduler, NodeSyncer, InterfaceTracker, CniWaiters) ─▶ kernel
//   LinkWatcher ─▶ NodeAgent.RefreshInterfacesSoon, FlowPipeline addresses
//   FlowPipeline: NFLOG + conntrack ─▶ flow records ─▶ ring, file, followers
//   ControlApi on the control socket and the metrics address
//   SignalFd: SIGTERM/SIGINT stop (the rules stay), SIGHUP reloads sources
//
// Start-up loads every source before the first sync, so the first batch
// already holds the whole policy; an existing podwall table is adopted
// (unchanged) or replaced in that one atomic batch, never left open.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "controller/sources/kubeconfig.h"
#include "enforcer/conntrack/conntrack_table.h"
#include "enforcer/daemon/control_api.h"
#include "enforcer/daemon/event_loop.h"
#include "enforcer/daemon/flow_pipeline.h"
#include "enforcer/daemon/http_server.h"
#include "enforcer/daemon/logger.h"
#include "enforcer/daemon/metrics.h"
#include "enforcer/daemon/node_agent.h"
#include "enforcer/daemon/signal_fd.h"
#include "enforcer/daemon/source_set.h"
#include "enforcer/daemon/trace_service.h"
#include "enforcer/links/link_watcher.h"
#include "enforcer/links/veth_discovery.h"
#include "enforcer/nft/netlink_backend.h"
#include "enforcer/trace/trace_kernel.h"

namespace podwall::daemon {

struct DaemonOptions {
  std::string node_name;
  std::vector<std::string> manifest_dirs;
  // The Kubernetes API, when --kubeconfig or --in-cluster was given.
  std::optional<sources::KubeClientConfig> kubernetes;
  // The Docker Engine's socket, when --docker was given.
  std::optional<std::string> docker_socket;
  std::string socket_path = "/run/podwall/podwall.sock";
  std::string metrics_address = "127.0.0.1:9750";
  bool audit = false;
  // --established=cut (true) | keep: after a sync, remove the established
  // connections the policy now denies.
  bool cut_established = true;
  // Syncs are at least this far apart; changes in between are coalesced.
  std::chrono::milliseconds min_sync_interval{10};
  // How often the kernel is read back and drift repaired.
  std::chrono::milliseconds verify_interval{60000};

  // Flow logs: capture (NFLOG + conntrack), the in-memory ring served on
  // GET /v1/flows, and an optional JSON-lines file.
  bool flow_capture = true;
  uint16_t nflog_group = 2;  // Denied packets.
  std::size_t flow_ring_size = 100000;
  // Memory for flow records (podwalld_main's flags, in MB): the ring, and
  // the connections followed until they end. With the denial aggregates'
  // 16 MiB they fit the DaemonSet's 256 MiB limit.
  std::size_t flow_ring_bytes = 48 << 20;
  std::size_t flow_tracked_bytes = 64 << 20;
  std::string flow_log_path;
  uint64_t flow_log_max_bytes = 100ull << 20;
  int flow_log_max_files = 5;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options, Logger logger = Logger());
  ~Daemon();

  // Opens the sockets and starts the sources; compiles and applies the
  // first ruleset as soon as every source has a complete view (at once for
  // files, after the first lists for an API). Errors here end the daemon
  // (exit 1, or 2 for bad input); an unreachable API or a failing first
  // sync do not (they are retried, and /readyz and /v1/status say so).
  absl::Status Start();
  // Runs until SIGTERM/SIGINT or Stop().
  void Run();
  void Stop();

  // For benchmarks and tests: called after every successful sync.
  void set_on_synced(std::function<void(uint64_t generation)> fn) {
    on_synced_ = std::move(fn);
  }

  // GET /v1/status as JSON.
  std::string StatusJson() const;

 private:
  absl::Status StartSources();
  // podwall trace: its kernel seam and service (unavailable without one).
  void StartTracing();
  // After a source's events: guarded networks, and the first sync once
  // every source is synced.
  void AfterSourceEvents();
  void OnSignals();

  DaemonOptions options_;
  Logger log_;
  MetricsRegistry metrics_;
  std::function<void(uint64_t)> on_synced_;
  // Declared in dependency order: each part may use those above it, and
  // is destroyed before them.
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<nft::NetlinkBackend> backend_;
  std::unique_ptr<conntrack::NetlinkConntrackTable> conntrack_;
  std::unique_ptr<trace::NetlinkTraceKernel> trace_kernel_;
  links::RtnetlinkInterfaceDiscovery discovery_;
  std::unique_ptr<NodeAgent> agent_;
  std::unique_ptr<SignalFd> signals_;
  std::unique_ptr<HttpServer> control_server_;
  std::unique_ptr<HttpServer> metrics_server_;
  std::unique_ptr<FlowPipeline> flows_;
  std::unique_ptr<TraceService> trace_;
  std::unique_ptr<ControlApi> api_;
  std::unique_ptr<SourceSet> sources_;
  std::unique_ptr<links::LinkWatcher> link_watcher_;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_DAEMON_H_
