#ifndef PODWALL_ENFORCER_DAEMON_FLOW_PIPELINE_H_
#define PODWALL_ENFORCER_DAEMON_FLOW_PIPELINE_H_

// FlowPipeline: podwalld's flow logs, from kernel events to readers.
//
//   NFLOG (denials) + conntrack NEW/DESTROY (allowed, by ct mark)
//     ─▶ flowlog::FlowLogger, enriched from the NodeAgent's view (who holds
//        an address, which rule a mark number stands for, which policies
//        isolate a pod)
//     ─▶ the ring (GET /v1/flows), followers (?follow=1), the JSON-lines
//        file (its own thread), podwall_flows_total and friends
//
// Needs root (the netlink sockets). Single-threaded (the daemon loop);
// everything passed in must outlive it.

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "enforcer/daemon/event_loop.h"
#include "enforcer/daemon/http_server.h"
#include "enforcer/daemon/logger.h"
#include "enforcer/daemon/metrics.h"
#include "enforcer/daemon/node_agent.h"
#include "enforcer/flowlog/flow_logger.h"
#include "enforcer/flowlog/flow_outputs.h"
#include "enforcer/flowlog/netfilter_events.h"

namespace podwall::daemon {

struct FlowPipelineOptions {
  std::string node_name;
  uint16_t nflog_group = 2;  // Denied packets.
  std::size_t ring_size = 100000;
  std::size_t ring_bytes = 48 << 20;
  std::size_t tracked_bytes = 64 << 20;
  std::string log_path;  // Empty: no file.
  uint64_t log_max_bytes = 100ull << 20;
  int log_max_files = 5;
};

class FlowPipeline : private flowlog::FlowContext, private flowlog::FlowSink {
 public:
  // Opens the event sockets and the file and starts reading on `loop`.
  static absl::StatusOr<std::unique_ptr<FlowPipeline>> Start(
      FlowPipelineOptions options, EventLoop& loop, const NodeAgent& agent,
      StreamWriter& streams, MetricsRegistry& metrics, Logger log);
  ~FlowPipeline() override;

  // GET /v1/flows with the filters of `podwall flows`; ?follow=1 keeps the
  // connection as a stream of new records.
  HttpResponse HandleFlows(const HttpRequest& req);
  // The connection of a follower closed.
  void ConnectionClosed(int connection) { followers_.erase(connection); }
  // A `cut` record: an established connection a changed policy denies.
  void RecordCut(const conntrack::CutConnection& cut);
  // Re-reads this node's own addresses (records name them "host"); also
  // every few seconds by itself.
  void RefreshNodeAddresses();
  // The flow-log file's trouble, for status: lines lost because it could
  // not be opened or written, and the last reason; empty without a file.
  std::optional<std::pair<uint64_t, std::string>> FileErrors() const;

 private:
  FlowPipeline(FlowPipelineOptions options, EventLoop& loop,
               const NodeAgent& agent, StreamWriter& streams,
               MetricsRegistry& metrics, Logger log);
  absl::Status Open();
  void Flush();

  // FlowContext.
  flowlog::FlowEndpoint Describe(const schema::IpAddress& ip,
                                 uint16_t port) const override;
  std::optional<flowlog::PolicyRef> RuleByNumber(
      uint16_t number) const override;
  bool IsLocalEndpoint(const schema::IpAddress& ip) const override;
  std::vector<std::string> IsolatingPolicies(const schema::IpAddress& ip,
                                             bool ingress) const override;
  // FlowSink.
  void Emit(const flowlog::FlowRecord& record) override;

  const FlowPipelineOptions options_;
  EventLoop& loop_;
  const NodeAgent& agent_;
  StreamWriter& streams_;
  MetricsRegistry& metrics_;
  Logger log_;
  std::unique_ptr<flowlog::NflogSocket> nflog_;
  std::unique_ptr<flowlog::ConntrackEvents> conntrack_;
  std::unique_ptr<flowlog::FlowLogger> logger_;
  std::unique_ptr<flowlog::FlowRing> ring_;
  std::unique_ptr<flowlog::FlowFileWriter> file_;
  std::map<int, flowlog::FlowFilter> followers_;  // By connection.
  std::set<schema::IpAddress> node_addresses_;
  Timers::TimerId flush_timer_ = 0;
  Timers::TimerId addresses_timer_ = 0;
  uint64_t nflog_overruns_seen_ = 0;
  uint64_t conntrack_overruns_seen_ = 0;
  uint64_t file_errors_seen_ = 0;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_FLOW_PIPELINE_H_
