#include "enforcer/daemon/trace_service.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "controller/explain.h"
#include "enforcer/nft/nft_text.h"
#include "enforcer/nft/ruleset.h"
#include "policy-schema/json_fields.h"
#include "policy-schema/json_writer.h"

namespace podwall::daemon {

struct TraceService::Active {
  int connection = -1;
  controller::ExplainRequest ask;
  trace::TraceReport report;
  std::optional<trace::TraceCollector> collector;
  trace::TraceTarget target;
  netlink::UniqueFd probe;
  Timers::TimerId deadline = 0;
  Timers::TimerId quiet = 0;
  int watched_fd = -1;
  // (table family, chain) -> its rules' handles, in order.
  std::map<std::pair<uint16_t, std::string>, std::vector<uint64_t>> handles;
};

namespace {

std::string EndpointOfGuard(const nft::Ruleset& r, std::string_view device) {
  for (const nft::SpoofGuard& g : r.guards) {
    if (g.device == device) return g.endpoint;
  }
  return std::string(device);
}

}  // namespace

TraceService::TraceService(const NodeAgent& agent, Timers& timers,
                           StreamWriter& writer, Seams seams, Logger& log)
    : agent_(agent),
      timers_(timers),
      writer_(writer),
      seams_(std::move(seams)),
      log_(log) {
  // A daemon that stopped mid-trace leaves its chains: remove them.
  if (seams_.kernel) {
    if (absl::Status st = seams_.kernel->Disarm(); !st.ok()) {
      log_.Warn("could not remove a trace left armed",
                {{"error", std::string(st.message())}});
    }
  }
}

TraceService::~TraceService() { Stop(); }

HttpResponse TraceService::Handle(const HttpRequest& req) {
  if (req.method != "POST") return JsonError(405, "POST only");
  if (!req.peer.empty()) {
    return JsonError(403, "tracing changes the kernel's ruleset: root only (" +
                              req.peer + ")");
  }
  if (!seams_.kernel) return JsonError(503, "tracing is unavailable here");
  if (active_) return JsonError(409, "another trace is running; try again");

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(req.body.data(), req.body.size()).get(doc) ||
      !doc.is_object()) {
    return JsonError(400, "the body is not a JSON object");
  }
  controller::ExplainRequest ask;
  ask.from = schema::JsonString(doc, "from");
  ask.to = schema::JsonString(doc, "to");
  ask.port = schema::JsonString(doc, "port");
  const uint64_t family = schema::JsonUint(doc, "family");
  if (family == 4) ask.family = schema::IpFamily::kV4;
  if (family == 6) ask.family = schema::IpFamily::kV6;
  std::chrono::milliseconds wait = kDefaultWait;
  if (uint64_t ms = schema::JsonUint(doc, "waitMs"); ms > 0) {
    wait = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(ms),
                                               kMaxWait);
  }
  const bool probe = schema::JsonBool(doc, "probe");
  absl::StatusOr<controller::Explanation> model =
      controller::Explain(agent_.input().state(), ask);
  if (!model.ok()) return JsonError(400, std::string(model.status().message()));

  auto a = std::make_unique<Active>();
  a->connection = req.connection;
  a->report.model = *model;
  a->ask = ask;
  // The source may send from any of its addresses of the destination's
  // family (a container on two networks picks by route): all are armed.
  const auto& devices = agent_.interfaces().interfaces();
  a->target.dst = model->dst.address;
  a->target.protocol = model->protocol;
  a->target.port = model->port;
  std::vector<schema::IpAddress> sources = {model->src.address};
  if (model->src.workload) sources = model->src.workload->addresses;
  for (const schema::IpAddress& s : sources) {
    if (s.family != model->dst.address.family) continue;
    a->target.sources.push_back(s);
    if (auto d = devices.find(s); d != devices.end()) {
      if (std::find(a->target.source_devices.begin(),
                    a->target.source_devices.end(),
                    d->second) == a->target.source_devices.end()) {
        a->target.source_devices.push_back(d->second);
      }
    }
  }
  a->report.src_local = !a->target.source_devices.empty();
  a->report.dst_local = devices.contains(model->dst.address);
  if (!a->report.src_local && !a->report.dst_local) {
    return JsonError(
        400, absl::StrCat("neither ", model->src_name, " nor ", model->dst_name,
                          " is a pod on this node: trace on the "
                          "node of either"));
  }
  if (probe && !a->report.src_local) {
    return JsonError(400,
                     "--probe sends from the source pod, which is not on "
                     "this node");
  }
  a->collector.emplace(
      trace::TraceMatch{a->target.sources, model->dst.address,
                        trace::IpProtocolOf(model->protocol), model->port},
      kMaxEvents);

  trace::TraceKernel& k = *seams_.kernel;
  if (absl::Status st = k.Listen(); !st.ok()) {
    return JsonError(500, std::string(st.message()));
  }
  if (absl::Status st = k.Arm(a->target); !st.ok()) {
    k.StopListening();
    (void)k.Disarm();
    return JsonError(500, std::string(st.message()));
  }
  a->watched_fd = k.fd();
  if (a->watched_fd >= 0 && seams_.watch) {
    if (absl::Status st = seams_.watch(a->watched_fd, [this] { OnEvents(); });
        !st.ok()) {
      a->watched_fd = -1;
    }
  }
  active_ = std::move(a);
  log_.Info("trace armed", {{"from", model->src_name},
                            {"to", model->dst_name},
                            {"port", ask.port},
                            {"probe", probe ? "true" : "false"}});
  if (probe) {
    absl::StatusOr<netlink::UniqueFd> ns =
        seams_.open_netns(active_->target.source_devices.front());
    absl::StatusOr<netlink::UniqueFd> sock =
        ns.ok() ? seams_.start_probe(ns->get(), active_->target)
                : absl::StatusOr<netlink::UniqueFd>(ns.status());
    if (sock.ok()) {
      active_->probe = *std::move(sock);
    } else {
      active_->report.probe =
          absl::StrCat("not sent: ", sock.status().message());
    }
  }
  active_->deadline = timers_.After(wait, [this] {
    if (active_) active_->deadline = 0;
    Finish();
  });
  return {200, "application/json", "", /*stream=*/true};
}

void TraceService::OnEvents() {
  if (!active_) return;
  bool ours = false;
  seams_.kernel->ReadEvents(4 * kMaxEvents, [&](const trace::TraceEvent& e) {
    if (active_->collector->Add(e)) ours = true;
  });
  if (!ours) return;
  timers_.Cancel(active_->quiet);
  active_->quiet = timers_.After(kQuiet, [this] {
    if (active_) active_->quiet = 0;
    Finish();
  });
}

trace::RuleInfo TraceService::Describe(const trace::TraceEvent& e) {
  trace::RuleInfo info;
  if (e.chain == nft::kTraceChain) {
    info.origin = "podwall trace: marks this connection's first packet";
    return info;
  }
  const nft::Ruleset* applied = agent_.syncer().applied();
  // The device a guard or delivery chain is named after.
  auto device_of = [&](std::string_view prefix) -> std::optional<std::string> {
    if (!e.chain.starts_with(prefix)) return std::nullopt;
    return e.chain.substr(prefix.size());
  };
  if (applied) {
    if (auto d = device_of(nft::kGuardChainPrefix)) {
      info.origin = "anti-spoofing guard of " + EndpointOfGuard(*applied, *d);
    } else if (auto d = device_of(nft::kDeliverChainPrefix)) {
      info.origin = "delivery filter of " + EndpointOfGuard(*applied, *d);
    }
  }
  if (e.type != trace::TraceEvent::Type::kRule) return info;
  auto key = std::make_pair(e.family, e.chain);
  auto it = active_->handles.find(key);
  if (it == active_->handles.end()) {
    absl::StatusOr<std::vector<uint64_t>> h =
        seams_.kernel->RuleHandles(e.family, e.chain);
    it = active_->handles.emplace(key, h.ok() ? *h : std::vector<uint64_t>{})
             .first;
  }
  for (std::size_t i = 0; i < it->second.size(); ++i) {
    if (it->second[i] == e.handle) info.position = static_cast<int>(i);
  }
  if (!applied || info.position < 0 || e.family != NFPROTO_INET) return info;
  const nft::Chain* chain = applied->FindChain(e.chain);
  if (chain == nullptr ||
      static_cast<std::size_t>(info.position) >= chain->rules.size()) {
    return info;
  }
  const nft::Rule& rule = chain->rules[info.position];
  info.text = nft::RuleText(rule);
  info.origin = rule.comment;
  return info;
}

void TraceService::Finish() {
  if (!active_) return;
  Active& a = *active_;
  a.report.traced = a.collector->found();
  // The model for the address the packet really came from.
  if (a.report.traced && a.collector->events().front().packet &&
      a.collector->events().front().packet->src != a.report.model.src.address) {
    controller::ExplainRequest ask = a.ask;
    ask.from = a.collector->events().front().packet->src.ToString();
    if (auto m = controller::Explain(agent_.input().state(), ask); m.ok()) {
      m->src_name = a.report.model.src_name;
      a.report.model = *std::move(m);
    }
  }
  a.report.events_dropped = a.collector->dropped();
  a.report.kernel = trace::JudgePath(
      a.collector->events(),
      [this](const trace::TraceEvent& e) { return Describe(e); });
  if (a.probe && seams_.probe_outcome) {
    a.report.probe = seams_.probe_outcome(a.probe.get(), a.target.protocol);
  }
  trace::Conclude(a.report);
  const int connection = a.connection;
  std::string body = trace::ReportToJson(a.report) + "\n";
  log_.Info("trace done",
            {{"traced", a.report.traced ? "true" : "false"},
             {"agree", a.report.agree ? "true" : "false"},
             {"events", std::to_string(a.collector->events().size())}});
  Stop();
  writer_.Finish(connection, body);
}

void TraceService::ConnectionClosed(int connection) {
  if (active_ && active_->connection == connection) Stop();
}

void TraceService::Stop() {
  if (!active_) return;
  timers_.Cancel(active_->deadline);
  timers_.Cancel(active_->quiet);
  if (active_->watched_fd >= 0 && seams_.unwatch) {
    seams_.unwatch(active_->watched_fd);
  }
  if (absl::Status st = seams_.kernel->Disarm(); !st.ok()) {
    log_.Warn("could not disarm the trace",
              {{"error", std::string(st.message())}});
  }
  seams_.kernel->StopListening();
  active_.reset();
}

}  // namespace podwall::daemon
