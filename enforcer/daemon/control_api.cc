#include "enforcer/daemon/control_api.h"

#include "controller/cluster_dump.h"
#include "policy-schema/json_writer.h"

namespace podwall::daemon {

ControlApi::ControlApi(NodeAgent& agent, MetricsRegistry& metrics,
                       std::function<std::string()> status, Route flows,
                       Route trace)
    : agent_(agent),
      metrics_(metrics),
      status_(std::move(status)),
      flows_(std::move(flows)),
      trace_(std::move(trace)) {}

HttpResponse ControlApi::Control(const HttpRequest& req) {
  if (req.path == "/v1/flows") {
    if (!flows_) {
      return {503, "text/plain",
              "flow capture is off (podwalld --no-flow-capture)\n"};
    }
    return flows_(req);
  }
  if (req.path == "/v1/endpoints" || req.path == "/v1/endpoints/delete") {
    return Endpoints(req);
  }
  if (req.path == "/v1/trace") {
    if (!trace_) return JsonError(503, "tracing is unavailable here");
    return trace_(req);
  }
  if (req.path == "/v1/cluster") {
    if (req.method != "GET") return {405, "text/plain", "GET only\n"};
    return {200, "application/json",
            controller::ClusterStateToJsonList(agent_.input().state()) + "\n"};
  }
  if (req.path == "/v1/status") {
    if (req.method != "GET") return {405, "text/plain", "GET only\n"};
    return {200, "application/json", status_() + "\n"};
  }
  return {404, "text/plain", "no such endpoint: " + req.path + "\n"};
}

HttpResponse ControlApi::Endpoints(const HttpRequest& req) {
  const SyncState& sync = agent_.sync_state();
  if (req.method == "GET") {  // CHECK: is the pod known and enforced?
    const std::string key =
        req.query.count("namespace") && req.query.count("name")
            ? req.query.at("namespace") + "/" + req.query.at("name")
            : "";
    const bool known = agent_.input().state().FindWorkload(key) != nullptr;
    schema::JsonWriter w;
    w.BeginObject();
    w.Key("ok").Bool(known && sync.synced);
    w.Key("known").Bool(known);
    w.Key("synced").Bool(sync.synced);
    w.Key("reported").Bool(agent_.input().cni().Find(key) != nullptr);
    w.EndObject();
    return {200, "application/json", w.str() + "\n"};
  }
  if (req.method != "POST") return JsonError(405, "GET or POST only");
  if (req.path == "/v1/endpoints/delete") {
    absl::StatusOr<CniEndpoints::Endpoint> del =
        CniEndpoints::ParseDelete(req.body);
    if (!del.ok()) return JsonError(400, std::string(del.status().message()));
    agent_.CniDelete(del->key, del->container_id);
    return {200, "application/json", "{\"ok\":true}\n"};
  }
  absl::StatusOr<CniEndpoints::Endpoint> add = CniEndpoints::ParseAdd(req.body);
  if (!add.ok()) return JsonError(400, std::string(add.status().message()));
  agent_.CniAdd(req.connection, *std::move(add));
  return {200, "application/json", "", /*stream=*/true};
}

HttpResponse ControlApi::Metrics(const HttpRequest& req) {
  // Every pod can reach this port (the DaemonSet binds it to the node's
  // address): reads only, and nothing that names a pod or an address.
  if (req.method != "GET" && req.method != "HEAD") {
    return {405, "text/plain", "only GET here\n"};
  }
  if (req.path == "/metrics") {
    agent_.UpdateGauges();
    return {200, "text/plain; version=0.0.4", metrics_.Render()};
  }
  if (req.path == "/healthz") return {200, "text/plain", "ok\n"};
  if (req.path == "/readyz") {
    const SyncState& sync = agent_.sync_state();
    const std::string& unfiltered =
        agent_.interfaces().bridge_filtering_problem();
    if (!unfiltered.empty()) {
      return {503, "text/plain", "not enforcing: " + unfiltered + "\n"};
    }
    if (sync.ready && sync.synced) return {200, "text/plain", "ready\n"};
    return {
        503, "text/plain",
        sync.ready ? "not synced: " + sync.last_error + "\n" : "starting\n"};
  }
  return {404, "text/plain", "no such endpoint: " + req.path + "\n"};
}

}  // namespace podwall::daemon
