#ifndef PODWALL_ENFORCER_DAEMON_DAEMON_H_
#define PODWALL_ENFORCER_DAEMON_DAEMON_H_

// podwalld: the node agent. One thread, one event loop:
//
//   sources (inotify, ...) --changes--> ClusterState + Compiler (incremental)
//        --> sync loop: NodeSyncer (patch or whole ruleset, one batch each)
//   link watcher --> veth discovery --> anti-spoofing guards
//   timers: debounce, sync coalescing and retry backoff, drift repair
//   HTTP: control socket (/v1/status), metrics (/metrics, /healthz, /readyz)
//   signals: SIGTERM/SIGINT stop (rules stay), SIGHUP re-reads sources
//
// Start-up loads every source before the first sync, so the first batch
// already holds the whole policy; an existing podwall table is adopted
// (unchanged) or replaced in that one atomic batch, never left open.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "controller/sources/kubeconfig.h"
#include "controller/sources/source.h"
#include "enforcer/daemon/cni_endpoints.h"
#include "enforcer/daemon/event_loop.h"
#include "enforcer/daemon/http_server.h"
#include "enforcer/daemon/logger.h"
#include "enforcer/daemon/metrics.h"
#include "enforcer/flowlog/flow_logger.h"
#include "enforcer/flowlog/flow_outputs.h"
#include "enforcer/flowlog/netfilter_events.h"
#include "enforcer/links/link_watcher.h"
#include "enforcer/nft/netlink_backend.h"
#include "enforcer/sync/node_syncer.h"
#include "enforcer/sync/rule_numbers.h"

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
  // Syncs are at least this far apart; changes in between are coalesced.
  std::chrono::milliseconds min_sync_interval{10};
  // How often the kernel is read back and drift repaired.
  std::chrono::milliseconds verify_interval{60000};

  // Flow logs: capture (NFLOG + conntrack), the in-memory ring served on
  // GET /v1/flows, and an optional JSON-lines file.
  bool flow_capture = true;
  uint16_t nflog_group = 2;  // Denied packets.
  std::size_t flow_ring_size = 100000;
  std::string flow_log_path;
  uint64_t flow_log_max_bytes = 100ull << 20;
  int flow_log_max_files = 5;
};

class Daemon : private sources::ChangeSink,
               private flowlog::FlowContext,
               private flowlog::FlowSink {
 public:
  explicit Daemon(DaemonOptions options, Logger logger = Logger());
  ~Daemon() override;

  // Opens the sockets and starts the sources; compiles and applies the
  // first ruleset as soon as every source has a complete view (at once for
  // files, after the first lists for an API). Errors here end the daemon
  // (exit 1); an unreachable API or a failing first sync do not (they are
  // retried, and /readyz and /v1/status say so).
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
  // ChangeSink.
  void Apply(const controller::ObjectChange& change) override;
  // Into the state (and the compiler once started), as it is.
  void ApplyState(const controller::ObjectChange& change);
  void Note(Severity severity, const std::string& source,
            const std::string& message) override;

  // FlowContext.
  flowlog::FlowEndpoint Describe(const schema::IpAddress& ip,
                                 uint16_t port) const override;
  std::optional<flowlog::PolicyRef> RuleByNumber(
      uint16_t number) const override;
  std::vector<std::string> IsolatingPolicies(const schema::IpAddress& ip,
                                             bool ingress) const override;
  // FlowSink.
  void Emit(const flowlog::FlowRecord& record) override;

  absl::Status StartFlowCapture();
  void FlushFlows();
  HttpResponse HandleFlows(const HttpRequest& req);
  void RefreshNodeAddresses();

  void ArmSourceTimer(std::size_t index);
  // Compiles and applies the first ruleset once every source is synced.
  void FinishStartWhenSynced();
  // Takes the sources' guarded networks to the syncer when they changed.
  void UpdateGuardedNetworks();
  void ScheduleSync();
  void DoSync();
  void RefreshInterfaces();
  void Verify();
  void OnSignal();
  HttpResponse HandleControl(const HttpRequest& req);
  // POST /v1/endpoints (podwall-cni ADD: answered once the pod's rules are
  // in the kernel), POST /v1/endpoints/delete (DEL), GET /v1/endpoints
  // (CHECK).
  HttpResponse HandleEndpoints(const HttpRequest& req);
  void AnswerCniWaiters();
  HttpResponse HandleMetrics(const HttpRequest& req);
  void UpdateGauges();

  DaemonOptions options_;
  Logger log_;
  MetricsRegistry metrics_;
  std::unique_ptr<EventLoop> loop_;
  controller::ClusterState state_;
  controller::Compiler compiler_;
  std::unique_ptr<nft::NetlinkBackend> backend_;
  sync::RuleNumbers rule_numbers_;
  std::unique_ptr<sync::NodeSyncer> syncer_;
  std::vector<std::unique_ptr<sources::Source>> sources_;
  std::vector<EventLoop::TimerId> source_timers_;
  std::unique_ptr<links::LinkWatcher> link_watcher_;
  std::unique_ptr<HttpServer> control_server_;
  std::unique_ptr<HttpServer> metrics_server_;
  int signal_fd_ = -1;

  bool starting_ = true;  // Changes go to the state only; Rebuild follows.
  bool pending_ = false;  // Input changed since the last good sync.
  bool ready_ = false;    // The first sync succeeded.
  bool synced_ = false;   // The kernel holds the current input.
  uint64_t generation_ = 0;
  std::string last_error_;
  std::optional<std::chrono::system_clock::time_point> last_sync_time_;
  EventLoop::TimerId sync_timer_ = 0;
  EventLoop::TimerId interfaces_timer_ = 0;
  EventLoop::Clock::time_point last_sync_end_{};
  EventLoop::Clock::time_point not_before_{};  // Retry backoff.
  int consecutive_failures_ = 0;
  std::map<schema::IpAddress, std::string> interfaces_;
  std::function<void(uint64_t)> on_synced_;

  // Pods podwall-cni reported, and its ADDs waiting for their sync.
  CniEndpoints cni_;
  struct CniWaiter {
    int connection;
    std::string key;            // "namespace/name"
    uint64_t after_generation;  // Answered by a later sync.
    EventLoop::Clock::time_point deadline;
  };
  std::vector<CniWaiter> cni_waiters_;

  // Flow logs.
  std::unique_ptr<flowlog::NflogSocket> nflog_;
  std::unique_ptr<flowlog::ConntrackEvents> conntrack_;
  std::unique_ptr<flowlog::FlowLogger> flow_logger_;
  std::unique_ptr<flowlog::FlowRing> flow_ring_;
  std::unique_ptr<flowlog::FlowFileWriter> flow_file_;
  std::map<int, flowlog::FlowFilter> flow_followers_;  // By connection.
  std::set<schema::IpAddress> node_addresses_;
  uint64_t nflog_overruns_seen_ = 0;
  uint64_t conntrack_overruns_seen_ = 0;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_DAEMON_H_
