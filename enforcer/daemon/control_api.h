#ifndef PODWALL_ENFORCER_DAEMON_CONTROL_API_H_
#define PODWALL_ENFORCER_DAEMON_CONTROL_API_H_

// The HTTP routes of podwalld, each a call on a daemon part.
//
// Control socket (unix):
//   GET  /v1/status             the status report
//   GET  /v1/flows[?follow=1]   flow records (the flow pipeline)
//   POST /v1/endpoints          podwall-cni ADD: answered once the pod's
//                               rules are in the kernel (a late answer)
//   POST /v1/endpoints/delete   podwall-cni DEL
//   GET  /v1/endpoints          podwall-cni CHECK: is the pod enforced?
//   POST /v1/trace              podwall trace (TraceService; root only)
//   GET  /v1/cluster            the objects podwalld enforces, as one JSON
//                               List (podwall what-if and suggest)
// Metrics address (TCP): GET /metrics, /healthz, /readyz.
//
// Single-threaded (the daemon loop). Everything passed in must outlive it.

#include <functional>
#include <string>

#include "enforcer/daemon/http_server.h"
#include "enforcer/daemon/metrics.h"
#include "enforcer/daemon/node_agent.h"

namespace podwall::daemon {

class ControlApi {
 public:
  using Route = std::function<HttpResponse(const HttpRequest&)>;
  // `status` renders the status report; `flows` serves /v1/flows (empty
  // when flow capture is off).
  ControlApi(NodeAgent& agent, MetricsRegistry& metrics,
             std::function<std::string()> status, Route flows,
             Route trace = nullptr);

  HttpResponse Control(const HttpRequest& req);
  HttpResponse Metrics(const HttpRequest& req);

 private:
  HttpResponse Endpoints(const HttpRequest& req);

  NodeAgent& agent_;
  MetricsRegistry& metrics_;
  std::function<std::string()> status_;
  Route flows_;
  Route trace_;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_CONTROL_API_H_
