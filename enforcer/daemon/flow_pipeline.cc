#include "enforcer/daemon/flow_pipeline.h"

#include <netinet/in.h>

#include "absl/strings/str_cat.h"
#include "enforcer/links/node_addresses.h"
#include "policy-schema/status_macros.h"

namespace podwall::daemon {
namespace {

constexpr auto kFlushInterval = std::chrono::milliseconds(250);
// GET /v1/flows is answered this much at a time.
constexpr std::size_t kFlowsChunk = 256 << 10;
// Node addresses change rarely and carry no link event of their own.
constexpr auto kNodeAddressInterval = std::chrono::seconds(10);

}  // namespace

absl::StatusOr<std::unique_ptr<FlowPipeline>> FlowPipeline::Start(
    FlowPipelineOptions options, EventLoop& loop, const NodeAgent& agent,
    StreamWriter& streams, MetricsRegistry& metrics, Logger log) {
  std::unique_ptr<FlowPipeline> p(
      new FlowPipeline(std::move(options), loop, agent, streams, metrics, log));
  RETURN_IF_ERROR(p->Open());
  return p;
}

FlowPipeline::FlowPipeline(FlowPipelineOptions options, EventLoop& loop,
                           const NodeAgent& agent, StreamWriter& streams,
                           MetricsRegistry& metrics, Logger log)
    : options_(std::move(options)),
      loop_(loop),
      agent_(agent),
      streams_(streams),
      metrics_(metrics),
      log_(log) {}

FlowPipeline::~FlowPipeline() {
  loop_.Cancel(flush_timer_);
  loop_.Cancel(addresses_timer_);
  if (nflog_) loop_.Unwatch(nflog_->fd());
  if (conntrack_) loop_.Unwatch(conntrack_->fd());
}

absl::Status FlowPipeline::Open() {
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
  flowlog::FlowLogger::Options logger;
  logger.node = options_.node_name;
  logger.max_tracked_bytes = options_.tracked_bytes;
  logger_ = std::make_unique<flowlog::FlowLogger>(
      std::move(logger), static_cast<const flowlog::FlowContext&>(*this),
      static_cast<flowlog::FlowSink&>(*this));
  ring_ = std::make_unique<flowlog::FlowRing>(options_.ring_size,
                                              options_.ring_bytes);
  if (!options_.log_path.empty()) {
    auto file = flowlog::FlowFileWriter::Open(
        options_.log_path, options_.log_max_bytes, options_.log_max_files);
    if (!file.ok()) return file.status();
    file_ = *std::move(file);
  }
  RETURN_IF_ERROR(loop_.Watch(nflog_->fd(), [this] {
    nflog_->Drain(
        [this](const flowlog::PacketEvent& e) { logger_->OnPacket(e); });
  }));
  RETURN_IF_ERROR(loop_.Watch(conntrack_->fd(), [this] {
    conntrack_->Drain(
        [this](const flowlog::ConntrackEvent& e) { logger_->OnConntrack(e); });
  }));
  flush_timer_ = loop_.After(kFlushInterval, [this] { Flush(); });
  RefreshNodeAddresses();
  log_.Info("flow capture on",
            {{"nflog_group", std::to_string(options_.nflog_group)},
             {"ring", std::to_string(options_.ring_size)},
             {"ring_mb", std::to_string(options_.ring_bytes >> 20)},
             {"tracked_mb", std::to_string(options_.tracked_bytes >> 20)},
             {"file", options_.log_path}});
  return absl::OkStatus();
}

std::optional<flowlog::PolicyRef> FlowPipeline::RuleByNumber(
    uint16_t number) const {
  std::optional<ir::RuleOrigin> origin = agent_.rule_numbers().Find(number);
  if (!origin) return std::nullopt;
  flowlog::PolicyRef ref;
  ref.kind = origin->kind;
  ref.namespace_ = origin->namespace_;
  ref.name = origin->name;
  ref.rule = absl::StrCat(ir::DirectionName(origin->direction), "[",
                          origin->index, "]");
  ref.tier = ir::TierName(origin->tier);
  ref.rule_name = origin->rule_name;
  return ref;
}

flowlog::FlowEndpoint FlowPipeline::Describe(const schema::IpAddress& ip,
                                             uint16_t port) const {
  flowlog::FlowEndpoint e;
  e.ip = ip.ToString();
  e.port = port;
  if (const controller::Workload* w =
          agent_.input().state().FindWorkloadByAddress(ip)) {
    e.namespace_ = w->namespace_;
    e.pod = w->name;
    e.labels =
        std::map<std::string, std::string>(w->labels.begin(), w->labels.end());
    return e;
  }
  e.kind = node_addresses_.contains(ip) ? "host" : "external";
  return e;
}

bool FlowPipeline::IsLocalEndpoint(const schema::IpAddress& ip) const {
  const controller::Workload* w =
      agent_.input().state().FindWorkloadByAddress(ip);
  return w && agent_.input().compiler().FindEndpoint(w->key) != nullptr;
}

std::vector<std::string> FlowPipeline::IsolatingPolicies(
    const schema::IpAddress& ip, bool ingress) const {
  const controller::Workload* w =
      agent_.input().state().FindWorkloadByAddress(ip);
  if (!w) return {};
  const ir::Endpoint* ep = agent_.input().compiler().FindEndpoint(w->key);
  if (!ep) return {};
  return ingress ? ep->ingress.policies : ep->egress.policies;
}

void FlowPipeline::Emit(const flowlog::FlowRecord& r) {
  std::string json = flowlog::FlowRecordJson(r);
  metrics_
      .GetCounter("podwall_flows_total",
                  "Flow records by verdict, direction and state.",
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
  for (const auto& [connection, filter] : followers_) {
    if (filter.Matches(r)) {
      // A follower that falls behind is dropped by the server.
      streams_.Send(connection, json + "\n");
    }
  }
  if (file_) file_->Write(json);
  ring_->Add(r, std::move(json));
}

void FlowPipeline::Flush() {
  flush_timer_ = loop_.After(kFlushInterval, [this] { Flush(); });
  logger_->Flush(loop_.WallNow());
  streams_.FlushStreams();
  const flowlog::FlowLogger::Stats& st = logger_->stats();
  auto lost = [&](const char* reason, double value) {
    metrics_
        .GetGauge(
            "podwall_flow_records_lost",
            "Flow events lost since start, by reason (kernel buffer overruns, "
            "caps on tracked connections and denial aggregates, file queue, "
            "file errors).",
            {{"reason", reason}})
        .Set(value);
  };
  lost("nflog_overrun", static_cast<double>(nflog_->overruns()));
  lost("conntrack_overrun", static_cast<double>(conntrack_->overruns()));
  lost("tracking_cap", static_cast<double>(st.lost_tracking));
  lost("denial_cap", static_cast<double>(st.lost_denials));
  lost("file_queue", file_ ? static_cast<double>(file_->dropped()) : 0.0);
  const uint64_t file_errors = file_ ? file_->errors() : 0;
  lost("file_error", static_cast<double>(file_errors));
  if (file_errors > file_errors_seen_) {
    log_.Warn("flow log lines lost: the file cannot be written",
              {{"lost", std::to_string(file_errors)},
               {"error", file_->last_error()}});
    file_errors_seen_ = file_errors;
  }
  if (nflog_->overruns() > nflog_overruns_seen_ ||
      conntrack_->overruns() > conntrack_overruns_seen_) {
    log_.Warn("flow events lost: netlink buffer overrun",
              {{"nflog_overruns", std::to_string(nflog_->overruns())},
               {"conntrack_overruns", std::to_string(conntrack_->overruns())}});
    nflog_overruns_seen_ = nflog_->overruns();
    conntrack_overruns_seen_ = conntrack_->overruns();
  }
  metrics_.GetGauge("podwall_flow_ring_records", "Records in the ring.")
      .Set(static_cast<double>(ring_->size()));
  metrics_
      .GetGauge("podwall_flow_memory_bytes",
                "Memory flow records take, by what holds them (each has a "
                "budget).",
                {{"held_by", "ring"}})
      .Set(static_cast<double>(ring_->bytes()));
  metrics_.GetGauge("podwall_flow_memory_bytes", "", {{"held_by", "tracked"}})
      .Set(static_cast<double>(st.tracked_bytes));
  metrics_.GetGauge("podwall_flow_memory_bytes", "", {{"held_by", "denials"}})
      .Set(static_cast<double>(st.pending_bytes));
  metrics_
      .GetGauge("podwall_flow_tracked_connections",
                "Allowed connections waiting for their end.")
      .Set(static_cast<double>(st.tracked));
}

std::optional<std::pair<uint64_t, std::string>> FlowPipeline::FileErrors()
    const {
  if (!file_) return std::nullopt;
  return std::pair(file_->errors(), file_->last_error());
}

HttpResponse FlowPipeline::HandleFlows(const HttpRequest& req) {
  if (req.method != "GET") return {405, "text/plain", "GET only\n"};
  absl::StatusOr<flowlog::FlowFilter> filter =
      flowlog::ParseFlowQuery(req.query, loop_.WallNow());
  if (!filter.ok()) {
    return {400, "text/plain", std::string(filter.status().message()) + "\n"};
  }
  // The ring's answer, a part at a time as the client reads: never a copy
  // of the whole ring.
  HttpResponse resp{200, "application/x-ndjson", ""};
  resp.more = [ring = ring_.get(), filter = *filter,
               cursor = ring_->Start(*filter)](std::string& out) mutable {
    return ring->Read(cursor, filter, kFlowsChunk, out);
  };
  if (req.query.contains("follow") && req.query.at("follow") != "0") {
    resp.stream = true;
    flowlog::FlowFilter live = *filter;
    live.last.reset();
    live.since.reset();
    followers_[req.connection] = live;
  }
  return resp;
}

void FlowPipeline::RecordCut(const conntrack::CutConnection& cut) {
  const conntrack::TrackedConnection& c = cut.connection;
  flowlog::FlowRecord r;
  r.time = std::chrono::system_clock::now();
  r.node = options_.node_name;
  r.verdict = "deny";
  r.state = "cut";
  r.direction = ir::DirectionName(cut.direction);
  r.proto = c.orig.proto == IPPROTO_TCP   ? "TCP"
            : c.orig.proto == IPPROTO_UDP ? "UDP"
                                          : "SCTP";
  r.family = c.orig.src.family == schema::IpFamily::kV4 ? 4 : 6;
  // The real ends: the client as it sent, the server as it answered.
  r.src = Describe(c.orig.src, c.orig.sport);
  r.dst = Describe(c.reply.src, c.reply.sport);
  r.isolated_by = cut.policies;
  if (cut.rule) {
    const ir::RuleOrigin& o = cut.rule->origin;
    flowlog::PolicyRef p;
    p.kind = o.kind;
    p.namespace_ = o.namespace_;
    p.name = o.name;
    p.rule = absl::StrCat(ir::DirectionName(o.direction), "[", o.index, "]");
    p.tier = ir::TierName(o.tier);
    p.rule_name = o.rule_name;
    r.policy = p;
  } else if (!cut.policies.empty()) {
    const std::string& first = cut.policies.front();
    const std::size_t slash = first.find('/');
    flowlog::PolicyRef p;
    p.namespace_ = first.substr(0, slash);
    p.name = slash == std::string::npos ? "" : first.substr(slash + 1);
    r.policy = p;
  }
  Emit(r);
}

void FlowPipeline::RefreshNodeAddresses() {
  loop_.Cancel(addresses_timer_);
  addresses_timer_ =
      loop_.After(kNodeAddressInterval, [this] { RefreshNodeAddresses(); });
  std::set<schema::IpAddress> now = links::NodeAddresses();
  if (!now.empty()) node_addresses_ = std::move(now);
}

}  // namespace podwall::daemon
