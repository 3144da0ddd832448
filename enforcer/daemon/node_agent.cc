#include "enforcer/daemon/node_agent.h"

#include <malloc.h>

#include <cstdio>

namespace podwall::daemon {
namespace {

// Operations in a batch (or rules and elements read back) after which
// freed memory is handed back.
constexpr std::size_t kTrimAfterOperations = 10000;

std::string Ms(Timers::Clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f",
                std::chrono::duration<double, std::milli>(d).count());
  return buf;
}

// Sync latency buckets, seconds: 100 us .. 10 s.
const std::vector<double> kSyncBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   10};

}  // namespace

nft::RenderOptions NodeAgent::RenderOptionsFor(
    const NodeAgentOptions& options) {
  nft::RenderOptions render;
  render.audit = options.audit;
  render.flow_log = options.flow_log;
  return render;
}

NodeAgent::NodeAgent(NodeAgentOptions options, Timers& timers,
                     nft::NftBackend& backend,
                     links::InterfaceDiscovery& discovery, Logger log,
                     MetricsRegistry& metrics)
    : options_(std::move(options)),
      timers_(timers),
      log_(log),
      metrics_(metrics),
      rule_numbers_(options_.rule_number_capacity) {
  // A cluster change may bring a local pod (or an address) whose device is
  // not known yet: look for it now, not at the next link event, so that no
  // pod runs unguarded until then. Changes to other nodes' pods do not.
  input_ = std::make_unique<ClusterInput>(
      options_.node_name, log_, metrics_, [this] {
        scheduler_->Request();
        tracker_->RefreshIfLocalPodsChanged();
      });
  syncer_ = std::make_unique<sync::NodeSyncer>(
      backend, RenderOptionsFor(options_), &rule_numbers_);
  SyncScheduler::Hooks hooks;
  hooks.sync = [this] { return syncer_->Sync(input_->compiler()); };
  hooks.periodic = [this] { tracker_->Refresh(); };
  hooks.verify = [this] { return RepairDrift(); };
  hooks.synced = [this](const SyncScheduler::Outcome& o) { OnSynced(o); };
  scheduler_ = std::make_unique<SyncScheduler>(timers, options_.scheduling,
                                               std::move(hooks));
  InterfaceTracker::Hooks tracked;
  tracked.interfaces_changed = [this] { scheduler_->Request(); };
  tracked.networks_changed =
      [this](const std::vector<schema::IpPrefix>& networks) {
        syncer_->SetGuardedNetworks(networks);
        if (!input_->starting()) scheduler_->Request();
      };
  tracker_ = std::make_unique<InterfaceTracker>(timers, discovery, *input_,
                                                log_, std::move(tracked));
  waiters_ = std::make_unique<CniWaiters>(
      timers, input_->state(), scheduler_->state(),
      [this](int connection, const std::string& body) {
        if (cni_answer_) cni_answer_(connection, body);
      });
}

NodeAgent::~NodeAgent() {
  for (const auto& [due, id] : follow_ups_) timers_.Cancel(id);
}

void NodeAgent::FinishStart() {
  if (!input_->starting()) return;
  input_->FinishStart();
  tracker_->Refresh();
  scheduler_->Start();
}

void NodeAgent::SetGuardedNetworks(std::vector<schema::IpPrefix> networks) {
  tracker_->SetGuardedNetworks(std::move(networks));
}

void NodeAgent::CniAdd(int connection, CniEndpoints::Endpoint endpoint) {
  const std::string key = endpoint.key;
  const auto timeout = std::chrono::seconds(endpoint.timeout_seconds);
  std::vector<schema::IpAddress> addresses;
  for (const std::string& text : endpoint.ips) {
    if (auto ip = schema::IpAddress::Parse(text)) addresses.push_back(*ip);
  }
  log_.Info("cni: endpoint reported", {{"pod", key},
                                       {"interface", endpoint.interface},
                                       {"container", endpoint.container_id}});
  input_->CniAdd(std::move(endpoint));
  if (!input_->starting()) {
    tracker_->Refresh();
    scheduler_->Request();  // The answer waits for a sync that follows.
  }
  waiters_->Add(connection, key, std::move(addresses), timeout);
}

void NodeAgent::CniDelete(const std::string& key,
                          const std::string& container_id) {
  input_->CniRemove(key, container_id);
  log_.Info("cni: endpoint removed", {{"pod", key}});
  tracker_->Refresh();
}

absl::StatusOr<bool> NodeAgent::RepairDrift() {
  absl::StatusOr<bool> repaired = syncer_->RepairDrift();
  // The read-back's dumps of a large ruleset, freed: back to the system
  // (trimming costs up to ~100 ms on a large heap, so not for small ones).
  const nft::RulesetMirror::Counts applied = syncer_->applied_counts();
  if (applied.rules + applied.elements > kTrimAfterOperations) malloc_trim(0);
  if (!repaired.ok()) {
    log_.Error("verification failed",
               {{"error", std::string(repaired.status().message())}});
    return repaired;
  }
  if (*repaired) {
    metrics_
        .GetCounter("podwall_drift_repairs_total",
                    "Times the kernel's tables differed from what podwall "
                    "applied and were rewritten.")
        .Inc();
    log_.Warn(
        "drift repaired: the kernel's podwall tables had been changed "
        "by someone else");
  }
  return repaired;
}

void NodeAgent::OnSynced(const SyncScheduler::Outcome& outcome) {
  const SyncState& state = scheduler_->state();
  metrics_
      .GetHistogram("podwall_sync_duration_seconds",
                    "Time from the compiler's delta to the kernel's ack.",
                    kSyncBuckets)
      .Observe(std::chrono::duration<double>(outcome.took).count());
  metrics_
      .GetCounter("podwall_syncs_total", "Syncs by result.",
                  {{"result", outcome.status.ok() ? "ok" : "error"}})
      .Inc();
  if (!outcome.status.ok()) {
    metrics_
        .GetCounter("podwall_kernel_errors_total",
                    "Batches the kernel rejected or that could not be sent.")
        .Inc();
    log_.Error("sync failed; retrying with a full resync",
               {{"error", state.last_error},
                {"retry_in_ms", Ms(outcome.retry_in)},
                {"failures", std::to_string(state.consecutive_failures)}});
    UpdateGauges();
    return;
  }
  if (outcome.previous_failures > 0) {
    log_.Info("sync recovered",
              {{"after_failures", std::to_string(outcome.previous_failures)}});
  }
  // A large batch's buffers are freed; give them back to the system
  // rather than keep the peak (glibc keeps freed heap otherwise).
  if (syncer_->last_transaction_size() > kTrimAfterOperations) malloc_trim(0);
  if (outcome.new_input) {
    log_.Info(
        "synced",
        {{"generation", std::to_string(state.generation)},
         {"duration_ms", Ms(outcome.took)},
         {"operations", std::to_string(syncer_->last_transaction_size())},
         {"patch", syncer_->last_was_patch() ? "true" : "false"},
         {"endpoints", std::to_string(input_->compiler().endpoint_count())}});
  }
  if (!logged_ready_) {
    logged_ready_ = true;
    log_.Info("ready", {{"node", options_.node_name},
                        {"audit", options_.audit ? "true" : "false"}});
  }
  if (rule_numbers_.unnumbered() > 0 && !logged_unnumbered_) {
    logged_unnumbered_ = true;
    log_.Warn(
        "connection-mark numbers exhausted: flows of some rules are logged "
        "without the rule's name",
        {{"unnumbered_rules", std::to_string(rule_numbers_.unnumbered())}});
  } else if (rule_numbers_.unnumbered() == 0) {
    logged_unnumbered_ = false;
  }
  CutEstablished();
  UpdateGauges();
  waiters_->AnswerReady();
  if (on_synced_) on_synced_(state.generation);
}

void NodeAgent::SetConntrack(
    conntrack::ConntrackTable* table,
    conntrack::EstablishedCutter::NodeAddresses node_addresses) {
  const bool cut = table && options_.cut_established && !options_.audit;
  cutter_ = cut ? std::make_unique<conntrack::EstablishedCutter>(
                      *table, std::move(node_addresses))
                : nullptr;
  syncer_->set_recheck(cut);
}

void NodeAgent::CutEstablished() {
  std::set<std::string> endpoints = syncer_->TakeEndpointsToRecheck();
  if (!cutter_ || endpoints.empty()) return;
  const ir::NodePolicy policy = input_->compiler().Snapshot();
  const conntrack::CutReport report = cutter_->Cut(policy, endpoints);
  connections_cut_ += report.cut.size();
  metrics_
      .GetCounter("podwall_connections_cut_total",
                  "Established connections removed because a changed policy "
                  "denies them.")
      .Inc(static_cast<double>(report.cut.size()));
  log_.Info("established connections rechecked",
            {{"endpoints", std::to_string(endpoints.size())},
             {"examined", std::to_string(report.examined)},
             {"cut", std::to_string(report.cut.size())},
             {"errors", std::to_string(report.errors)}});
  if (on_cut_) {
    for (const conntrack::CutConnection& c : report.cut) on_cut_(c);
  }
  if (report.cut.empty()) return;
  // A server's packet in flight at the cut can make the kernel track the
  // connection again, backwards: look twice, soon and a little later.
  auto cut =
      std::make_shared<std::vector<conntrack::CutConnection>>(report.cut);
  const Timers::TimePoint now = timers_.Now();
  std::erase_if(follow_ups_, [&](const auto& f) { return f.first < now; });
  for (Timers::Clock::duration delay :
       {Timers::Clock::duration(std::chrono::milliseconds(100)),
        Timers::Clock::duration(std::chrono::seconds(1))}) {
    follow_ups_.emplace_back(now + delay, timers_.After(delay, [this, cut] {
      if (cutter_) CutReversed(*cut);
    }));
  }
}

void NodeAgent::CutReversed(const std::vector<conntrack::CutConnection>& cut) {
  const conntrack::CutReport report = cutter_->CutReversed(cut);
  if (report.cut.empty() && report.errors == 0) return;
  log_.Info("cut connections tracked again backwards, removed",
            {{"removed", std::to_string(report.cut.size())},
             {"errors", std::to_string(report.errors)}});
}

void NodeAgent::UpdateGauges() {
  const nft::RulesetMirror::Counts c = syncer_->applied_counts();
  const SyncState& state = scheduler_->state();
  metrics_.GetGauge("podwall_rules", "Rules in podwall's tables.")
      .Set(static_cast<double>(c.rules));
  metrics_.GetGauge("podwall_set_elements", "Elements in podwall's sets/maps.")
      .Set(static_cast<double>(c.elements));
  metrics_.GetGauge("podwall_local_endpoints", "Local pods on this node.")
      .Set(static_cast<double>(input_->compiler().endpoint_count()));
  metrics_.GetGauge("podwall_policies", "NetworkPolicies known.")
      .Set(static_cast<double>(input_->state().policies().size()));
  metrics_
      .GetGauge("podwall_cluster_policies",
                "ClusterNetworkPolicies known (Admin and Baseline tiers).")
      .Set(static_cast<double>(input_->state().cluster_policies().size()));
  metrics_.GetGauge("podwall_generation", "Applied input generation.")
      .Set(static_cast<double>(state.generation));
  metrics_.GetGauge("podwall_synced", "1 when the kernel holds the input.")
      .Set(state.synced ? 1 : 0);
  metrics_
      .GetGauge("podwall_address_conflicts",
                "Addresses more than one running pod claims (the newest "
                "holds each; the others are not enforced by it).")
      .Set(static_cast<double>(input_->state().address_conflict_count()));
  metrics_
      .GetGauge("podwall_bridge_filtering_problem",
                "1 while bridged local pods bypass the policy chains "
                "(br_netfilter off and not settable); /readyz fails then.")
      .Set(tracker_->bridge_filtering_problem().empty() ? 0 : 1);
  metrics_
      .GetGauge("podwall_unnumbered_rules",
                "Rules without a connection-mark number (all in use): their "
                "flows are logged without the rule's name.")
      .Set(static_cast<double>(rule_numbers_.unnumbered()));
}

}  // namespace podwall::daemon
