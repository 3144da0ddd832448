#ifndef PODWALL_ENFORCER_DAEMON_NODE_AGENT_H_
#define PODWALL_ENFORCER_DAEMON_NODE_AGENT_H_

// NodeAgent: podwalld's enforcement core, without sockets or signals. The
// path from a source event to a kernel batch, top to bottom:
//
//   source ─▶ ClusterInput (state + incremental compiler, podwall-cni fills)
//          ─▶ SyncScheduler.Request (coalesced, min interval, backoff)
//          ─▶ NodeSyncer.Sync (rule numbers, render, plan) ─▶ NftBackend
//   InterfaceTracker: which veth is whose (discovery + podwall-cni) and the
//          guarded networks ─▶ compiler / syncer ─▶ Request
//   after each sync: podwall-cni's waiting ADDs are answered (CniWaiters)
//   every verify interval: interfaces re-discovered, drift repaired
//
// Everything outside comes in through seams: Timers, nft::NftBackend,
// links::InterfaceDiscovery (fakes in unit tests; the event loop, netlink
// and rtnetlink in podwalld). Logs and metrics go to the Logger and the
// registry given.
//
// Single-threaded (the daemon loop). Everything passed in must outlive it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "enforcer/conntrack/established_cutter.h"
#include "enforcer/daemon/cluster_input.h"
#include "enforcer/daemon/cni_waiters.h"
#include "enforcer/daemon/interface_tracker.h"
#include "enforcer/daemon/logger.h"
#include "enforcer/daemon/metrics.h"
#include "enforcer/daemon/sync_scheduler.h"
#include "enforcer/daemon/timers.h"
#include "enforcer/links/interface_discovery.h"
#include "enforcer/nft/nft_backend.h"
#include "enforcer/sync/node_syncer.h"
#include "enforcer/sync/rule_numbers.h"

namespace podwall::daemon {

struct NodeAgentOptions {
  std::string node_name;
  bool audit = false;  // Log would-be denials, drop nothing.
  SyncScheduler::Options scheduling;
  // Flow logs: connection marks and NFLOG statements in the rules.
  std::optional<nft::FlowLogOptions> flow_log;
  // Connection-mark numbers available (tests shrink it).
  uint16_t rule_number_capacity = sync::RuleNumbers::kMaxCapacity;
  // After a sync, cut the established connections the policy now denies
  // (`--established=cut`); false keeps them (`keep`). Never in audit mode.
  bool cut_established = true;
};

class NodeAgent {
 public:
  NodeAgent(NodeAgentOptions options, Timers& timers, nft::NftBackend& backend,
            links::InterfaceDiscovery& discovery, Logger log,
            MetricsRegistry& metrics);
  ~NodeAgent();
  NodeAgent(const NodeAgent&) = delete;
  NodeAgent& operator=(const NodeAgent&) = delete;

  // Where sources report.
  sources::ChangeSink& sink() { return *input_; }
  // Every source has handed over a complete view: compile everything,
  // place the interfaces, sync at once, then check for drift periodically.
  void FinishStart();
  bool starting() const { return input_->starting(); }

  // The sources' guarded networks now.
  void SetGuardedNetworks(std::vector<schema::IpPrefix> networks);
  // Link events: re-discover interfaces shortly.
  void RefreshInterfacesSoon() { tracker_->RefreshSoon(); }

  // podwall-cni. ADD: the pod's addresses and veth; the answer comes
  // through `answer` once its rules are in the kernel (or at the
  // deadline). DEL: withdraws them. The connection closing drops the ADD.
  void CniAdd(int connection, CniEndpoints::Endpoint endpoint);
  void CniDelete(const std::string& key, const std::string& container_id);
  void ConnectionClosed(int connection) { waiters_->Drop(connection); }
  void set_cni_answer(CniWaiters::Answer answer) {
    cni_answer_ = std::move(answer);
  }

  // The conntrack table established connections are checked in, and the
  // node's own addresses (never judged); without it nothing is cut.
  void SetConntrack(conntrack::ConntrackTable* table,
                    conntrack::EstablishedCutter::NodeAddresses node_addresses);
  // Called for each connection cut (flow records); the cut's rule points
  // into the IR it was judged by, valid during the call only.
  void set_on_cut(std::function<void(const conntrack::CutConnection&)> fn) {
    on_cut_ = std::move(fn);
  }
  uint64_t connections_cut() const { return connections_cut_; }

  // For benchmarks and tests: called after every successful sync.
  void set_on_synced(std::function<void(uint64_t generation)> fn) {
    on_synced_ = std::move(fn);
  }

  const NodeAgentOptions& options() const { return options_; }
  const SyncState& sync_state() const { return scheduler_->state(); }
  const ClusterInput& input() const { return *input_; }
  const InterfaceTracker& interfaces() const { return *tracker_; }
  const sync::RuleNumbers& rule_numbers() const { return rule_numbers_; }
  const sync::NodeSyncer& syncer() const { return *syncer_; }
  std::size_t cni_waiting() const { return waiters_->size(); }

  // The gauges /metrics shows, brought up to date.
  void UpdateGauges();

 private:
  nft::RenderOptions RenderOptionsFor(const NodeAgentOptions& options);
  void OnSynced(const SyncScheduler::Outcome& outcome);
  // Judges the connections of the endpoints the syncs may have narrowed.
  void CutEstablished();
  // After a cut: the connections the kernel tracked again backwards from a
  // packet already on its way (EstablishedCutter::CutReversed).
  void CutReversed(const std::vector<conntrack::CutConnection>& cut);
  absl::StatusOr<bool> RepairDrift();

  const NodeAgentOptions options_;
  Timers& timers_;
  // CutReversed follow-ups: when each is due, and its timer (cancelled
  // with the agent).
  std::vector<std::pair<Timers::TimePoint, Timers::TimerId>> follow_ups_;
  Logger log_;
  MetricsRegistry& metrics_;
  sync::RuleNumbers rule_numbers_;
  std::unique_ptr<ClusterInput> input_;
  std::unique_ptr<sync::NodeSyncer> syncer_;
  std::unique_ptr<SyncScheduler> scheduler_;
  std::unique_ptr<InterfaceTracker> tracker_;
  std::unique_ptr<CniWaiters> waiters_;
  CniWaiters::Answer cni_answer_;
  std::function<void(uint64_t)> on_synced_;
  std::unique_ptr<conntrack::EstablishedCutter> cutter_;
  std::function<void(const conntrack::CutConnection&)> on_cut_;
  uint64_t connections_cut_ = 0;
  bool logged_ready_ = false;
  bool logged_unnumbered_ = false;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_NODE_AGENT_H_
