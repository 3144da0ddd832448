#include "enforcer/daemon/daemon.h"

#include <signal.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "controller/sources/docker_source.h"
#include "controller/sources/kubernetes_source.h"
#include "controller/sources/manifest_source.h"
#include "enforcer/links/node_addresses.h"
#include "enforcer/links/pod_netns.h"
#include "enforcer/trace/probe.h"
#include "policy-schema/status_macros.h"

namespace podwall::daemon {

Daemon::Daemon(DaemonOptions options, Logger logger)
    : options_(std::move(options)), log_(logger) {}

Daemon::~Daemon() = default;

absl::Status Daemon::Start() {
  ASSIGN_OR_RETURN(loop_, EventLoop::Create());
  auto backend = nft::NetlinkBackend::Create();
  if (!backend.ok()) {
    return absl::Status(
        backend.status().code(),
        absl::StrCat("nftables netlink socket: ", backend.status().message()));
  }
  backend_ = *std::move(backend);

  NodeAgentOptions agent;
  agent.node_name = options_.node_name;
  agent.audit = options_.audit;
  agent.cut_established = options_.cut_established;
  agent.scheduling.min_interval = options_.min_sync_interval;
  agent.scheduling.verify_interval = options_.verify_interval;
  if (options_.flow_capture) {
    nft::FlowLogOptions flow;
    flow.deny_group = options_.nflog_group;
    agent.flow_log = flow;
  }
  agent_ = std::make_unique<NodeAgent>(std::move(agent), *loop_, *backend_,
                                       discovery_, log_, metrics_);
  agent_->set_on_synced([this](uint64_t generation) {
    if (on_synced_) on_synced_(generation);
  });
  if (options_.cut_established && !options_.audit) {
    auto table = conntrack::NetlinkConntrackTable::Create();
    if (table.ok()) {
      conntrack_ = *std::move(table);
      agent_->SetConntrack(conntrack_.get(), links::NodeAddresses);
      agent_->set_on_cut([this](const conntrack::CutConnection& c) {
        if (flows_) flows_->RecordCut(c);
      });
    } else {
      log_.Warn("established connections cannot be checked",
                {{"error", std::string(table.status().message())}});
    }
  }

  // Signals arrive as loop events. Blocking them here covers this thread
  // and the threads sources start below.
  ASSIGN_OR_RETURN(signals_, SignalFd::Create({SIGTERM, SIGINT, SIGHUP}));
  RETURN_IF_ERROR(loop_->Watch(signals_->fd(), [this] { OnSignals(); }));

  // Sockets first: status answers (not ready) while sources load.
  ASSIGN_OR_RETURN(control_server_,
                   HttpServer::ListenUnix(*loop_, options_.socket_path,
                                          [this](const HttpRequest& r) {
                                            return api_->Control(r);
                                          }));
  control_server_->set_on_stream_closed([this](int connection) {
    if (flows_) flows_->ConnectionClosed(connection);
    if (trace_) trace_->ConnectionClosed(connection);
    agent_->ConnectionClosed(connection);
  });
  agent_->set_cni_answer([this](int connection, const std::string& body) {
    control_server_->Finish(connection, body);
  });
  if (!options_.metrics_address.empty()) {
    ASSIGN_OR_RETURN(metrics_server_,
                     HttpServer::ListenTcp(*loop_, options_.metrics_address,
                                           [this](const HttpRequest& r) {
                                             return api_->Metrics(r);
                                           }));
  }
  if (options_.flow_capture) {
    FlowPipelineOptions flow;
    flow.node_name = options_.node_name;
    flow.nflog_group = options_.nflog_group;
    flow.ring_size = options_.flow_ring_size;
    flow.ring_bytes = options_.flow_ring_bytes;
    flow.tracked_bytes = options_.flow_tracked_bytes;
    flow.log_path = options_.flow_log_path;
    flow.log_max_bytes = options_.flow_log_max_bytes;
    flow.log_max_files = options_.flow_log_max_files;
    ASSIGN_OR_RETURN(flows_,
                     FlowPipeline::Start(std::move(flow), *loop_, *agent_,
                                         *control_server_, metrics_, log_));
  }
  StartTracing();
  api_ = std::make_unique<ControlApi>(
      *agent_, metrics_, [this] { return StatusJson(); },
      flows_ ? ControlApi::Route([this](const HttpRequest& r) {
        return flows_->HandleFlows(r);
      })
             : ControlApi::Route(),
      [this](const HttpRequest& r) { return trace_->Handle(r); });
  log_.Info("listening",
            {{"socket", control_server_->address()},
             {"metrics", metrics_server_ ? metrics_server_->address() : ""}});

  RETURN_IF_ERROR(StartSources());

  // Links: a veth coming or going re-runs discovery (debounced).
  auto watcher = links::LinkWatcher::Create(
      [this](links::LinkEvent, const std::string&, int) {
        agent_->RefreshInterfacesSoon();
        if (flows_) flows_->RefreshNodeAddresses();
      });
  if (watcher.ok()) {
    link_watcher_ = *std::move(watcher);
    (void)loop_->Watch(link_watcher_->fd(),
                       [this] { (void)link_watcher_->ProcessEvents(); });
  } else {
    log_.Warn("no link events; interfaces are re-discovered periodically",
              {{"error", std::string(watcher.status().message())}});
  }

  AfterSourceEvents();
  if (agent_->starting()) {
    log_.Info(
        "waiting for every source's first complete view; the rules in the "
        "kernel stay in force meanwhile");
  }
  return absl::OkStatus();
}

void Daemon::StartTracing() {
  TraceService::Seams seams;
  auto kernel = trace::NetlinkTraceKernel::Create();
  if (kernel.ok()) {
    trace_kernel_ = *std::move(kernel);
    seams.kernel = trace_kernel_.get();
  } else {
    log_.Warn("podwall trace is unavailable",
              {{"error", std::string(kernel.status().message())}});
  }
  seams.watch = [this](int fd, std::function<void()> fn) {
    return loop_->Watch(fd, std::move(fn));
  };
  seams.unwatch = [this](int fd) { loop_->Unwatch(fd); };
  seams.open_netns = [](const std::string& device) {
    return links::OpenPeerNetns(device);
  };
  seams.start_probe = trace::StartProbe;
  seams.probe_outcome = trace::ProbeOutcome;
  trace_ = std::make_unique<TraceService>(*agent_, *loop_, *control_server_,
                                          std::move(seams), log_);
}

absl::Status Daemon::StartSources() {
  sources_ = std::make_unique<SourceSet>(*loop_, agent_->sink(),
                                         [this] { AfterSourceEvents(); });
  std::vector<std::unique_ptr<sources::Source>> list;
  if (options_.kubernetes) {
    list.push_back(std::make_unique<sources::KubernetesSource>(
        *options_.kubernetes, sources::KubernetesSource::Options()));
  }
  if (options_.docker_socket) {
    sources::DockerSource::Options docker;
    docker.socket = *options_.docker_socket;
    docker.node_name = options_.node_name;
    list.push_back(std::make_unique<sources::DockerSource>(docker));
  }
  for (const std::string& dir : options_.manifest_dirs) {
    list.push_back(std::make_unique<sources::ManifestSource>(dir));
  }
  for (auto& source : list) {
    sources::Source* s = source.get();
    RETURN_IF_ERROR(sources_->Add(std::move(source)));
    const sources::SourceStatus status = s->status();
    log_.Info("source started",
              {{"source", status.name},
               {"target", status.target},
               {"objects", std::to_string(status.objects)},
               {"errors", std::to_string(status.errors.size())}});
  }
  return absl::OkStatus();
}

void Daemon::AfterSourceEvents() {
  agent_->SetGuardedNetworks(sources_->GuardedNetworks());
  if (!agent_->starting() || !sources_->AllSynced()) return;
  // A source hands over its objects before it reports synced(): one more
  // drain takes whatever arrived between its last drain and the mark.
  sources_->DrainAll();
  agent_->SetGuardedNetworks(sources_->GuardedNetworks());
  agent_->FinishStart();
}

void Daemon::Run() { loop_->Run(); }

void Daemon::Stop() {
  if (loop_) loop_->Stop();
}

void Daemon::OnSignals() {
  for (int signo : signals_->Read()) {
    if (signo == SIGHUP) {
      log_.Info("SIGHUP: re-reading sources");
      sources_->Reload();
      continue;
    }
    log_.Info(
        "stopping; the rules stay in the kernel (podwall uninstall "
        "removes them)",
        {{"signal", strsignal(signo)}});
    loop_->Stop();
    return;
  }
}

std::string Daemon::StatusJson() const {
  return daemon::StatusJson(
      *agent_, sources_ ? sources_->Reports() : std::vector<SourceReport>(),
      flows_ ? flows_->FileErrors() : std::nullopt);
}

}  // namespace podwall::daemon
