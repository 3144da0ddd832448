#include "enforcer/daemon/daemon.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "controller/sources/docker_source.h"
#include "controller/sources/kubernetes_source.h"
#include "controller/sources/manifest_source.h"
#include "controller/state_loader.h"
#include "enforcer/links/veth_discovery.h"
#include "policy-schema/json_writer.h"
#include "policy-schema/status_macros.h"

namespace podwall::daemon {
namespace {

using Clock = EventLoop::Clock;
using std::chrono::duration;
using std::chrono::milliseconds;

std::string Ms(Clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f",
                duration<double, std::milli>(d).count());
  return buf;
}

// Sync latency buckets, seconds: 100 us .. 10 s.
const std::vector<double> kSyncBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   10};

constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr auto kInterfaceRetry = std::chrono::seconds(1);

}  // namespace

Daemon::Daemon(DaemonOptions options, Logger logger)
    : options_(std::move(options)),
      log_(logger),
      compiler_(options_.node_name),
      cni_(options_.node_name) {}

Daemon::~Daemon() {
  control_server_.reset();
  metrics_server_.reset();
  if (signal_fd_ >= 0) close(signal_fd_);
}

absl::Status Daemon::Start() {
  auto loop = EventLoop::Create();
  if (!loop.ok()) return loop.status();
  loop_ = *std::move(loop);

  auto backend = nft::NetlinkBackend::Create();
  if (!backend.ok()) {
    return absl::Status(
        backend.status().code(),
        absl::StrCat("nftables netlink socket: ", backend.status().message()));
  }
  backend_ = *std::move(backend);
  nft::RenderOptions render;
  render.audit = options_.audit;
  if (options_.flow_capture) {
    if (absl::Status st = StartFlowCapture(); !st.ok()) return st;
    nft::FlowLogOptions flow;
    flow.deny_group = options_.nflog_group;
    render.flow_log = flow;
  }
  syncer_ =
      std::make_unique<sync::NodeSyncer>(*backend_, render, &rule_numbers_);

  // Signals arrive as loop events; blocking them here covers this thread,
  // the only one.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) {
    return absl::InternalError(absl::StrCat("signalfd: ", strerror(errno)));
  }
  if (auto st = loop_->Watch(signal_fd_, [this] { OnSignal(); }); !st.ok()) {
    return st;
  }

  // Sockets first: status answers (not ready) while sources load.
  auto control = HttpServer::ListenUnix(
      *loop_, options_.socket_path,
      [this](const HttpRequest& r) { return HandleControl(r); });
  if (!control.ok()) return control.status();
  control_server_ = *std::move(control);
  control_server_->set_on_stream_closed([this](int connection) {
    flow_followers_.erase(connection);
    std::erase_if(cni_waiters_, [connection](const CniWaiter& w) {
      return w.connection == connection;
    });
  });
  if (!options_.metrics_address.empty()) {
    auto metrics = HttpServer::ListenTcp(
        *loop_, options_.metrics_address,
        [this](const HttpRequest& r) { return HandleMetrics(r); });
    if (!metrics.ok()) return metrics.status();
    metrics_server_ = *std::move(metrics);
  }
  log_.Info("listening",
            {{"socket", control_server_->address()},
             {"metrics", metrics_server_ ? metrics_server_->address() : ""}});

  if (options_.kubernetes) {
    sources_.push_back(std::make_unique<sources::KubernetesSource>(
        *options_.kubernetes, sources::KubernetesSource::Options()));
  }
  if (options_.docker_socket) {
    sources::DockerSource::Options docker;
    docker.socket = *options_.docker_socket;
    docker.node_name = options_.node_name;
    sources_.push_back(std::make_unique<sources::DockerSource>(docker));
  }
  for (const std::string& dir : options_.manifest_dirs) {
    sources_.push_back(std::make_unique<sources::ManifestSource>(dir));
  }
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    sources::Source& source = *sources_[i];
    if (auto st = source.Start(*this); !st.ok()) {
      return absl::Status(
          st.code(),
          absl::StrCat("source ", source.status().name, ": ", st.message()));
    }
    source_timers_.push_back(0);
    if (source.fd() >= 0) {
      auto st = loop_->Watch(source.fd(), [this, i] {
        sources_[i]->ProcessEvents(*this);
        ArmSourceTimer(i);
        UpdateGuardedNetworks();
        FinishStartWhenSynced();
      });
      if (!st.ok()) return st;
    }
    const sources::SourceStatus s = source.status();
    log_.Info("source started", {{"source", s.name},
                                 {"target", s.target},
                                 {"objects", std::to_string(s.objects)},
                                 {"errors", std::to_string(s.errors.size())}});
  }

  // Links: a veth coming or going re-runs discovery (debounced).
  auto watcher = links::LinkWatcher::Create(
      [this](links::LinkEvent, const std::string&, int) {
        if (interfaces_timer_ != 0) loop_->Cancel(interfaces_timer_);
        interfaces_timer_ = loop_->After(milliseconds(20), [this] {
          interfaces_timer_ = 0;
          RefreshInterfaces();
        });
      });
  if (watcher.ok()) {
    link_watcher_ = *std::move(watcher);
    (void)loop_->Watch(link_watcher_->fd(),
                       [this] { (void)link_watcher_->ProcessEvents(); });
  } else {
    log_.Warn("no link events; interfaces are re-discovered periodically",
              {{"error", std::string(watcher.status().message())}});
  }

  FinishStartWhenSynced();
  if (starting_) {
    log_.Info(
        "waiting for every source's first complete view; the rules in the "
        "kernel stay in force meanwhile");
  }
  return absl::OkStatus();
}

void Daemon::FinishStartWhenSynced() {
  if (!starting_) return;
  for (const auto& source : sources_) {
    if (!source->synced()) return;
  }
  // A source hands over its objects before it reports synced(): one more
  // drain takes whatever arrived between its last drain and the mark.
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    if (sources_[i]->fd() >= 0) sources_[i]->ProcessEvents(*this);
  }
  UpdateGuardedNetworks();
  // The whole input at once, then the first sync.
  starting_ = false;
  compiler_.Rebuild(state_);
  (void)compiler_.TakeDelta();
  RefreshInterfaces();
  pending_ = true;
  DoSync();
  loop_->After(options_.verify_interval, [this] { Verify(); });
}

void Daemon::Run() { loop_->Run(); }

void Daemon::Stop() {
  if (loop_) loop_->Stop();
}

void Daemon::Apply(const controller::ObjectChange& change) {
  // A local pod the API shows without addresses yet gets those podwall-cni
  // reported.
  if (const auto* pod = std::get_if<schema::Pod>(&change.object)) {
    const std::string key = pod->metadata.namespace_ + "/" + pod->metadata.name;
    if (change.type == controller::ObjectChange::Type::kDelete) {
      cni_.OnSourceDelete(key);
    } else {
      ApplyState({change.type, cni_.OnSourcePod(*pod)});
      return;
    }
  }
  ApplyState(change);
}

void Daemon::ApplyState(const controller::ObjectChange& change) {
  if (starting_) {
    // Only the state: the compiler is rebuilt once everything is loaded.
    controller::ApplyToState(change, state_);
    return;
  }
  if (controller::ApplyChange(change, state_, compiler_)) {
    pending_ = true;
    ScheduleSync();
  }
}

void Daemon::Note(Severity severity, const std::string& source,
                  const std::string& message) {
  const LogLevel level = severity == Severity::kError     ? LogLevel::kError
                         : severity == Severity::kWarning ? LogLevel::kWarning
                                                          : LogLevel::kInfo;
  log_.Log(level, message, {{"source", source}});
  if (severity == Severity::kError) {
    metrics_
        .GetCounter("podwall_invalid_inputs_total",
                    "Inputs rejected by a source (invalid files, objects).",
                    {{"source", source}})
        .Inc();
  }
}

void Daemon::UpdateGuardedNetworks() {
  std::vector<schema::IpPrefix> networks;
  for (const auto& source : sources_) {
    for (const std::string& text : source->guarded_networks()) {
      if (auto p = schema::IpPrefix::Parse(text)) networks.push_back(*p);
    }
  }
  std::sort(networks.begin(), networks.end());
  networks.erase(std::unique(networks.begin(), networks.end()), networks.end());
  if (networks == syncer_->guarded_networks()) return;
  std::string list;
  for (const schema::IpPrefix& p : networks) {
    absl::StrAppend(&list, list.empty() ? "" : ",", p.ToString());
  }
  log_.Info("guarded pod networks: unknown addresses there are dropped",
            {{"networks", list}});
  syncer_->SetGuardedNetworks(std::move(networks));
  if (!starting_) {
    pending_ = true;
    ScheduleSync();
  }
}

void Daemon::ArmSourceTimer(std::size_t i) {
  if (source_timers_[i] != 0) {
    loop_->Cancel(source_timers_[i]);
    source_timers_[i] = 0;
  }
  if (auto when = sources_[i]->deadline()) {
    source_timers_[i] = loop_->At(*when, [this, i] {
      source_timers_[i] = 0;
      sources_[i]->OnDeadline(*this);
      ArmSourceTimer(i);
    });
  }
}

void Daemon::ScheduleSync() {
  if (sync_timer_ != 0) return;  // Coalesced into the sync already due.
  const auto when = std::max(
      {Clock::now(), last_sync_end_ + options_.min_sync_interval, not_before_});
  sync_timer_ = loop_->At(when, [this] {
    sync_timer_ = 0;
    DoSync();
  });
}

void Daemon::DoSync() {
  const auto t0 = Clock::now();
  absl::Status st = syncer_->Sync(compiler_);
  const auto t1 = Clock::now();
  last_sync_end_ = t1;
  const double seconds = duration<double>(t1 - t0).count();
  metrics_
      .GetHistogram("podwall_sync_duration_seconds",
                    "Time from the compiler's delta to the kernel's ack.",
                    kSyncBuckets)
      .Observe(seconds);
  metrics_
      .GetCounter("podwall_syncs_total", "Syncs by result.",
                  {{"result", st.ok() ? "ok" : "error"}})
      .Inc();
  if (!st.ok()) {
    synced_ = false;
    last_error_ = std::string(st.message());
    ++consecutive_failures_;
    metrics_
        .GetCounter("podwall_kernel_errors_total",
                    "Batches the kernel rejected or that could not be sent.")
        .Inc();
    const auto backoff = std::min<Clock::duration>(
        milliseconds(100) * (1 << std::min(consecutive_failures_ - 1, 9)),
        kMaxBackoff);
    not_before_ = t1 + backoff;
    log_.Error("sync failed; retrying with a full resync",
               {{"error", last_error_},
                {"retry_in_ms", Ms(backoff)},
                {"failures", std::to_string(consecutive_failures_)}});
    ScheduleSync();
    UpdateGauges();
    return;
  }
  if (consecutive_failures_ > 0) {
    log_.Info("sync recovered",
              {{"after_failures", std::to_string(consecutive_failures_)}});
  }
  consecutive_failures_ = 0;
  not_before_ = {};
  last_error_.clear();
  synced_ = true;
  if (pending_) {
    ++generation_;
    pending_ = false;
    last_sync_time_ = std::chrono::system_clock::now();
    log_.Info("synced",
              {{"generation", std::to_string(generation_)},
               {"duration_ms", Ms(t1 - t0)},
               {"operations", std::to_string(syncer_->last_transaction_size())},
               {"patch", syncer_->last_was_patch() ? "true" : "false"},
               {"endpoints", std::to_string(compiler_.endpoint_count())}});
  }
  if (!ready_) {
    ready_ = true;
    log_.Info("ready", {{"node", options_.node_name},
                        {"audit", options_.audit ? "true" : "false"}});
  }
  UpdateGauges();
  AnswerCniWaiters();
  if (on_synced_) on_synced_(generation_);
}

void Daemon::RefreshInterfaces() {
  RefreshNodeAddresses();
  // What discovery must find: the local pods' addresses podwall-cni has
  // not already reported a veth for.
  const std::map<schema::IpAddress, std::string> reported = cni_.Interfaces();
  std::set<schema::IpAddress> wanted;
  for (const ir::Endpoint* ep : compiler_.Endpoints()) {
    for (const schema::IpAddress& a : ep->addresses) {
      if (!reported.contains(a)) wanted.insert(a);
    }
  }
  absl::StatusOr<std::map<schema::IpAddress, std::string>> found =
      links::DiscoverPodInterfaces(&wanted);
  if (!found.ok()) {
    log_.Warn("veth discovery failed",
              {{"error", std::string(found.status().message())}});
    return;
  }
  // Keep only local pods' addresses: the map is compared as a whole.
  // podwall-cni's reports name veths of bridged pods that have not sent a
  // packet yet.
  for (const auto& [address, interface] : reported) {
    found->emplace(address, interface);
  }
  std::map<schema::IpAddress, std::string> local;
  std::map<std::string, std::set<std::string>> owners;  // Device -> pods.
  bool missing = false;
  for (const ir::Endpoint* ep : compiler_.Endpoints()) {
    bool any = false;
    for (const schema::IpAddress& a : ep->addresses) {
      if (auto it = found->find(a); it != found->end()) {
        local.insert(*it);
        owners[it->second].insert(ep->id);
        any = true;
      }
    }
    missing |= !any;
  }
  // A device two pods' addresses point at guards neither: which pod it
  // belongs to is not known.
  std::erase_if(local, [&](const auto& entry) {
    return owners[entry.second].size() > 1;
  });
  if (local != interfaces_) {
    interfaces_ = local;
    compiler_.SetInterfaces(state_, local);
    if (!starting_) {
      pending_ = true;
      ScheduleSync();
    }
  }
  // Bridged pods are located once they have sent a packet (neighbour and
  // FDB entries); until then, look again shortly.
  if (missing && interfaces_timer_ == 0) {
    interfaces_timer_ = loop_->After(kInterfaceRetry, [this] {
      interfaces_timer_ = 0;
      RefreshInterfaces();
    });
  }
}

void Daemon::Verify() {
  loop_->After(options_.verify_interval, [this] { Verify(); });
  RefreshInterfaces();
  if (!ready_ || !synced_) return;  // The retry path resyncs anyway.
  absl::StatusOr<bool> repaired = syncer_->RepairDrift();
  if (!repaired.ok()) {
    log_.Error("verification failed",
               {{"error", std::string(repaired.status().message())}});
    synced_ = false;
    last_error_ = std::string(repaired.status().message());
    pending_ = true;
    ScheduleSync();
    return;
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
}

void Daemon::OnSignal() {
  signalfd_siginfo info;
  while (read(signal_fd_, &info, sizeof(info)) == sizeof(info)) {
    if (info.ssi_signo == SIGHUP) {
      log_.Info("SIGHUP: re-reading sources");
      for (std::size_t i = 0; i < sources_.size(); ++i) {
        sources_[i]->Reload(*this);
        ArmSourceTimer(i);
      }
      continue;
    }
    log_.Info(
        "stopping; the rules stay in the kernel (podwall uninstall "
        "removes them)",
        {{"signal", strsignal(static_cast<int>(info.ssi_signo))}});
    loop_->Stop();
    return;
  }
}

void Daemon::UpdateGauges() {
  const nft::RulesetMirror::Counts c = syncer_->applied_counts();
  metrics_.GetGauge("podwall_rules", "Rules in podwall's tables.")
      .Set(static_cast<double>(c.rules));
  metrics_.GetGauge("podwall_set_elements", "Elements in podwall's sets/maps.")
      .Set(static_cast<double>(c.elements));
  metrics_.GetGauge("podwall_local_endpoints", "Local pods on this node.")
      .Set(static_cast<double>(compiler_.endpoint_count()));
  metrics_.GetGauge("podwall_policies", "NetworkPolicies known.")
      .Set(static_cast<double>(state_.policies().size()));
  metrics_.GetGauge("podwall_generation", "Applied input generation.")
      .Set(static_cast<double>(generation_));
  metrics_.GetGauge("podwall_synced", "1 when the kernel holds the input.")
      .Set(synced_ ? 1 : 0);
}

std::string Daemon::StatusJson() const {
  schema::JsonWriter w;
  w.BeginObject();
  w.Key("node").String(options_.node_name);
  w.Key("ready").Bool(ready_);
  w.Key("synced").Bool(synced_);
  w.Key("generation").Uint(generation_);
  w.Key("last_sync_time");
  if (last_sync_time_) {
    w.String(schema::FormatRfc3339(*last_sync_time_));
  } else {
    w.Null();
  }
  w.Key("last_error").String(last_error_);
  w.Key("audit").Bool(options_.audit);
  w.Key("sources").BeginArray();
  for (const auto& source : sources_) {
    const sources::SourceStatus s = source->status();
    w.BeginObject();
    w.Key("name").String(s.name);
    w.Key("target").String(s.target);
    w.Key("ok").Bool(s.ok);
    w.Key("synced").Bool(source->synced());
    w.Key("objects").Uint(s.objects);
    w.Key("errors").BeginArray();
    for (const std::string& e : s.errors) w.String(e);
    w.EndArray();
    w.Key("invalid_inputs_total").Uint(s.invalid_inputs_total);
    w.Key("last_change");
    if (s.last_change) {
      w.String(schema::FormatRfc3339(*s.last_change));
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  const nft::RulesetMirror::Counts c = syncer_->applied_counts();
  w.Key("counts").BeginObject();
  w.Key("namespaces").Uint(state_.NamespaceNames().size());
  w.Key("pods").Uint(state_.workloads().size());
  w.Key("policies").Uint(state_.policies().size());
  w.Key("local_endpoints").Uint(compiler_.endpoint_count());
  w.Key("compiled_rules").Uint(compiler_.rule_count());
  w.Key("chains").Uint(c.chains);
  w.Key("rules").Uint(c.rules);
  w.Key("sets").Uint(c.sets);
  w.Key("set_elements").Uint(c.elements);
  w.Key("guarded_interfaces").Uint(c.guards);
  w.Key("cni_endpoints").Uint(cni_.size());
  w.EndObject();
  w.Key("guarded_networks").BeginArray();
  if (syncer_) {
    for (const schema::IpPrefix& p : syncer_->guarded_networks()) {
      w.String(p.ToString());
    }
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

HttpResponse Daemon::HandleControl(const HttpRequest& req) {
  if (req.path == "/v1/flows") return HandleFlows(req);
  if (req.path == "/v1/endpoints" || req.path == "/v1/endpoints/delete") {
    return HandleEndpoints(req);
  }
  if (req.path == "/v1/status") {
    if (req.method != "GET") return {405, "text/plain", "GET only\n"};
    return {200, "application/json", StatusJson() + "\n"};
  }
  return {404, "text/plain", "no such endpoint: " + req.path + "\n"};
}

HttpResponse Daemon::HandleEndpoints(const HttpRequest& req) {
  auto error = [](int code, const std::string& message) {
    schema::JsonWriter w;
    w.BeginObject();
    w.Key("ok").Bool(false);
    w.Key("error").String(message);
    w.EndObject();
    return HttpResponse{code, "application/json", w.str() + "\n"};
  };
  if (req.method == "GET") {  // CHECK: is the pod known and enforced?
    const std::string key =
        req.query.count("namespace") && req.query.count("name")
            ? req.query.at("namespace") + "/" + req.query.at("name")
            : "";
    const bool known = state_.FindWorkload(key) != nullptr;
    schema::JsonWriter w;
    w.BeginObject();
    w.Key("ok").Bool(known && synced_);
    w.Key("known").Bool(known);
    w.Key("synced").Bool(synced_);
    w.Key("reported").Bool(cni_.Find(key) != nullptr);
    w.EndObject();
    return {200, "application/json", w.str() + "\n"};
  }
  if (req.method != "POST") return error(405, "GET or POST only");
  if (req.path == "/v1/endpoints/delete") {
    absl::StatusOr<CniEndpoints::Endpoint> del =
        CniEndpoints::ParseDelete(req.body);
    if (!del.ok()) return error(400, std::string(del.status().message()));
    if (std::optional<schema::Pod> bare =
            cni_.Remove(del->key, del->container_id)) {
      ApplyState({controller::ObjectChange::Type::kUpsert, *bare});
    }
    log_.Info("cni: endpoint removed", {{"pod", del->key}});
    RefreshInterfaces();
    return {200, "application/json", "{\"ok\":true}\n"};
  }
  absl::StatusOr<CniEndpoints::Endpoint> add = CniEndpoints::ParseAdd(req.body);
  if (!add.ok()) return error(400, std::string(add.status().message()));
  const std::string key = add->key;
  const auto timeout = std::chrono::seconds(add->timeout_seconds);
  log_.Info("cni: endpoint reported", {{"pod", key},
                                       {"interface", add->interface},
                                       {"container", add->container_id}});
  if (std::optional<schema::Pod> filled = cni_.Add(*std::move(add))) {
    ApplyState({controller::ObjectChange::Type::kUpsert, *filled});
  }
  if (!starting_) {
    RefreshInterfaces();
    pending_ = true;  // The answer waits for a sync that follows this.
    ScheduleSync();
  }
  cni_waiters_.push_back(
      {req.connection, key, generation_, Clock::now() + timeout});
  loop_->After(timeout + milliseconds(1), [this] { AnswerCniWaiters(); });
  return {200, "application/json", "", /*stream=*/true};
}

void Daemon::AnswerCniWaiters() {
  const auto now = Clock::now();
  std::vector<std::pair<int, std::string>> answers;
  std::erase_if(cni_waiters_, [&](const CniWaiter& w) {
    const controller::Workload* pod = state_.FindWorkload(w.key);
    const bool applied = ready_ && synced_ &&
                         generation_ > w.after_generation && pod &&
                         pod->eligible;
    schema::JsonWriter out;
    out.BeginObject();
    if (applied) {
      out.Key("ok").Bool(true);
      out.Key("generation").Uint(generation_);
    } else if (now >= w.deadline) {
      out.Key("ok").Bool(false);
      out.Key("error").String(
          !pod ? "no source has reported pod " + w.key +
                     " to podwalld (is it on this node?)"
          : !pod->eligible ? "pod " + w.key + " has no address podwalld knows"
          : !ready_ || !synced_
              ? "the ruleset is not in the kernel: " +
                    (last_error_.empty() ? std::string("sources not synced")
                                         : last_error_)
              : "timed out");
    } else {
      return false;
    }
    out.EndObject();
    answers.emplace_back(w.connection, out.str() + "\n");
    return true;
  });
  for (const auto& [connection, body] : answers) {
    control_server_->Finish(connection, body);
  }
}

HttpResponse Daemon::HandleMetrics(const HttpRequest& req) {
  if (req.path == "/metrics") {
    UpdateGauges();
    return {200, "text/plain; version=0.0.4", metrics_.Render()};
  }
  if (req.path == "/healthz") return {200, "text/plain", "ok\n"};
  if (req.path == "/readyz") {
    if (ready_ && synced_) return {200, "text/plain", "ready\n"};
    return {503, "text/plain",
            ready_ ? "not synced: " + last_error_ + "\n" : "starting\n"};
  }
  return {404, "text/plain", "no such endpoint: " + req.path + "\n"};
}

// --- flow logs
// ----------------------------------------------------------------

absl::Status Daemon::StartFlowCapture() {
  if (absl::Status st = flowlog::EnableConntrackAccounting(); !st.ok()) {
    log_.Warn("no conntrack accounting: closed flows carry no counts",
              {{"error", std::string(st.message())}});
  }
  auto nflog = flowlog::NflogSocket::Create({options_.nflog_group});
  if (!nflog.ok()) {
    return absl::Status(nflog.status().code(),
                        absl::StrCat("flow capture: ", nflog.status().message(),
                                     " (--nflog-group picks another; "
                                     "--no-flow-capture turns it off)"));
  }
  nflog_ = *std::move(nflog);
  auto ct = flowlog::ConntrackEvents::Create();
  if (!ct.ok()) {
    return absl::Status(
        ct.status().code(),
        absl::StrCat("conntrack events: ", ct.status().message()));
  }
  conntrack_ = *std::move(ct);
  flow_logger_ = std::make_unique<flowlog::FlowLogger>(
      flowlog::FlowLogger::Options{options_.node_name},
      static_cast<const flowlog::FlowContext&>(*this),
      static_cast<flowlog::FlowSink&>(*this));
  flow_ring_ = std::make_unique<flowlog::FlowRing>(options_.flow_ring_size);
  if (!options_.flow_log_path.empty()) {
    auto file = flowlog::FlowFileWriter::Open(options_.flow_log_path,
                                              options_.flow_log_max_bytes,
                                              options_.flow_log_max_files);
    if (!file.ok()) return file.status();
    flow_file_ = *std::move(file);
  }
  RETURN_IF_ERROR(loop_->Watch(nflog_->fd(), [this] {
    nflog_->Drain(
        [this](const flowlog::PacketEvent& e) { flow_logger_->OnPacket(e); });
  }));
  RETURN_IF_ERROR(loop_->Watch(conntrack_->fd(), [this] {
    conntrack_->Drain([this](const flowlog::ConntrackEvent& e) {
      flow_logger_->OnConntrack(e);
    });
  }));
  loop_->After(milliseconds(250), [this] { FlushFlows(); });
  log_.Info("flow capture on",
            {{"nflog_group", std::to_string(options_.nflog_group)},
             {"ring", std::to_string(options_.flow_ring_size)},
             {"file", options_.flow_log_path}});
  return absl::OkStatus();
}

std::optional<flowlog::PolicyRef> Daemon::RuleByNumber(uint16_t number) const {
  std::optional<ir::RuleOrigin> origin = rule_numbers_.Find(number);
  if (!origin) return std::nullopt;
  flowlog::PolicyRef ref;
  ref.kind = origin->kind;
  ref.namespace_ = origin->namespace_;
  ref.name = origin->name;
  ref.rule = absl::StrCat(ir::DirectionName(origin->direction), "[",
                          origin->index, "]");
  return ref;
}

flowlog::FlowEndpoint Daemon::Describe(const schema::IpAddress& ip,
                                       uint16_t port) const {
  flowlog::FlowEndpoint e;
  e.ip = ip.ToString();
  e.port = port;
  if (const controller::Workload* w = state_.FindWorkloadByAddress(ip)) {
    e.namespace_ = w->namespace_;
    e.pod = w->name;
    e.labels =
        std::map<std::string, std::string>(w->labels.begin(), w->labels.end());
    return e;
  }
  e.kind = node_addresses_.contains(ip) ? "host" : "external";
  return e;
}

std::vector<std::string> Daemon::IsolatingPolicies(const schema::IpAddress& ip,
                                                   bool ingress) const {
  const controller::Workload* w = state_.FindWorkloadByAddress(ip);
  if (!w) return {};
  const ir::Endpoint* ep = compiler_.FindEndpoint(w->key);
  if (!ep) return {};
  return ingress ? ep->ingress.policies : ep->egress.policies;
}

void Daemon::Emit(const flowlog::FlowRecord& r) {
  std::string json = flowlog::FlowRecordJson(r);
  metrics_
      .GetCounter("podwall_flows_total",
                  "Flow records by verdict, direction "
                  "and state.",
                  {{"verdict", r.verdict},
                   {"direction", r.direction},
                   {"state", r.state}})
      .Inc();
  if (r.state == "denied") {
    const flowlog::FlowEndpoint& pod = r.direction == "ingress" ? r.dst : r.src;
    metrics_
        .GetCounter("podwall_denied_packets_total",
                    "Denied (or, in audit mode, would-be denied) packets "
                    "logged, by the isolated pod's namespace.",
                    {{"namespace", pod.namespace_.value_or("")}})
        .Inc(static_cast<double>(r.count));
  }
  for (const auto& [connection, filter] : flow_followers_) {
    if (filter.Matches(r)) {
      // A follower that falls behind is dropped by the server.
      control_server_->Send(connection, json + "\n");
    }
  }
  if (flow_file_) flow_file_->Write(json);
  flow_ring_->Add(r, std::move(json));
}

void Daemon::FlushFlows() {
  loop_->After(milliseconds(250), [this] { FlushFlows(); });
  flow_logger_->Flush(std::chrono::system_clock::now());
  control_server_->FlushStreams();
  const flowlog::FlowLogger::Stats& st = flow_logger_->stats();
  auto lost = [&](const char* reason, double value) {
    Gauge& g = metrics_.GetGauge(
        "podwall_flow_records_lost",
        "Flow events lost since start, by reason (kernel buffer overruns, "
        "caps on tracked connections and denial aggregates, file queue).",
        {{"reason", reason}});
    g.Set(value);
  };
  lost("nflog_overrun", static_cast<double>(nflog_->overruns()));
  lost("conntrack_overrun", static_cast<double>(conntrack_->overruns()));
  lost("tracking_cap", static_cast<double>(st.lost_tracking));
  lost("denial_cap", static_cast<double>(st.lost_denials));
  lost("file_queue",
       flow_file_ ? static_cast<double>(flow_file_->dropped()) : 0.0);
  if (nflog_->overruns() > nflog_overruns_seen_ ||
      conntrack_->overruns() > conntrack_overruns_seen_) {
    log_.Warn("flow events lost: netlink buffer overrun",
              {{"nflog_overruns", std::to_string(nflog_->overruns())},
               {"conntrack_overruns", std::to_string(conntrack_->overruns())}});
    nflog_overruns_seen_ = nflog_->overruns();
    conntrack_overruns_seen_ = conntrack_->overruns();
  }
  metrics_.GetGauge("podwall_flow_ring_records", "Records in the ring.")
      .Set(static_cast<double>(flow_ring_->size()));
  metrics_
      .GetGauge("podwall_flow_tracked_connections",
                "Allowed connections waiting for their end.")
      .Set(static_cast<double>(st.tracked));
}

HttpResponse Daemon::HandleFlows(const HttpRequest& req) {
  if (req.method != "GET") return {405, "text/plain", "GET only\n"};
  if (!flow_ring_) {
    return {503, "text/plain",
            "flow capture is off (podwalld --no-flow-capture)\n"};
  }
  absl::StatusOr<flowlog::FlowFilter> filter =
      flowlog::ParseFlowQuery(req.query, std::chrono::system_clock::now());
  if (!filter.ok()) {
    return {400, "text/plain", std::string(filter.status().message()) + "\n"};
  }
  std::string body;
  for (const std::string* line : flow_ring_->Query(*filter)) {
    body += *line;
    body += '\n';
  }
  HttpResponse resp{200, "application/x-ndjson", std::move(body)};
  if (req.query.contains("follow") && req.query.at("follow") != "0") {
    resp.stream = true;
    flowlog::FlowFilter live = *filter;
    live.last.reset();
    live.since.reset();
    flow_followers_[req.connection] = live;
  }
  return resp;
}

void Daemon::RefreshNodeAddresses() {
  ifaddrs* addrs = nullptr;
  if (getifaddrs(&addrs) != 0) return;
  node_addresses_.clear();
  for (ifaddrs* a = addrs; a; a = a->ifa_next) {
    if (!a->ifa_addr) continue;
    schema::IpAddress ip;
    if (a->ifa_addr->sa_family == AF_INET) {
      ip.family = schema::IpFamily::kV4;
      std::memcpy(ip.bytes.data(),
                  &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      ip.family = schema::IpFamily::kV6;
      std::memcpy(ip.bytes.data(),
                  &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    node_addresses_.insert(ip);
  }
  freeifaddrs(addrs);
}

}  // namespace podwall::daemon
