#include "enforcer/daemon/status_report.h"

#include "policy-schema/json_writer.h"

namespace podwall::daemon {
namespace {

void OptionalTime(
    schema::JsonWriter& w,
    const std::optional<std::chrono::system_clock::time_point>& t) {
  if (t) {
    w.String(schema::FormatRfc3339(*t));
  } else {
    w.Null();
  }
}

}  // namespace

std::string StatusJson(
    const NodeAgent& agent, const std::vector<SourceReport>& sources,
    const std::optional<std::pair<uint64_t, std::string>>& flow_file_errors) {
  const SyncState& sync = agent.sync_state();
  const ClusterInput& input = agent.input();
  schema::JsonWriter w;
  w.BeginObject();
  w.Key("node").String(agent.options().node_name);
  w.Key("ready").Bool(sync.ready);
  w.Key("synced").Bool(sync.synced);
  w.Key("generation").Uint(sync.generation);
  w.Key("last_sync_time");
  OptionalTime(w, sync.last_sync_time);
  w.Key("last_error").String(sync.last_error);
  // What keeps the node from enforcing although its rules are applied.
  w.Key("enforcement_problems").BeginArray();
  for (const std::string& p : agent.interfaces().problems()) w.String(p);
  w.EndArray();
  w.Key("audit").Bool(agent.options().audit);
  w.Key("established").String(agent.options().cut_established ? "cut" : "keep");
  w.Key("connections_cut").Uint(agent.connections_cut());
  if (flow_file_errors) {
    w.Key("flow_log_file").BeginObject();
    w.Key("lines_lost").Uint(flow_file_errors->first);
    w.Key("last_error").String(flow_file_errors->second);
    w.EndObject();
  }
  w.Key("sources").BeginArray();
  for (const SourceReport& source : sources) {
    const sources::SourceStatus& s = source.status;
    w.BeginObject();
    w.Key("name").String(s.name);
    w.Key("target").String(s.target);
    w.Key("ok").Bool(s.ok);
    w.Key("synced").Bool(source.synced);
    w.Key("objects").Uint(s.objects);
    w.Key("errors").BeginArray();
    for (const std::string& e : s.errors) w.String(e);
    w.EndArray();
    w.Key("warnings").BeginArray();
    for (const std::string& e : s.warnings) w.String(e);
    w.EndArray();
    w.Key("invalid_inputs_total").Uint(s.invalid_inputs_total);
    w.Key("last_change");
    OptionalTime(w, s.last_change);
    w.EndObject();
  }
  w.EndArray();
  const nft::RulesetMirror::Counts c = agent.syncer().applied_counts();
  w.Key("counts").BeginObject();
  w.Key("namespaces").Uint(input.state().NamespaceNames().size());
  w.Key("pods").Uint(input.state().workloads().size());
  w.Key("policies").Uint(input.state().policies().size());
  w.Key("cluster_policies").Uint(input.state().cluster_policies().size());
  w.Key("nodes").Uint(input.state().nodes().size());
  w.Key("local_endpoints").Uint(input.compiler().endpoint_count());
  w.Key("compiled_rules").Uint(input.compiler().rule_count());
  w.Key("chains").Uint(c.chains);
  w.Key("rules").Uint(c.rules);
  w.Key("sets").Uint(c.sets);
  w.Key("set_elements").Uint(c.elements);
  w.Key("guarded_interfaces").Uint(c.guards);
  w.Key("cni_endpoints").Uint(input.cni().size());
  // Rules whose flows carry no rule name: every connection-mark number
  // was in use when they came.
  w.Key("unnumbered_rules").Uint(agent.rule_numbers().unnumbered());
  w.EndObject();
  // Addresses more than one running pod claims: the newest holds each.
  w.Key("address_conflicts").BeginArray();
  for (const controller::AddressConflict& c :
       input.state().AddressConflicts()) {
    w.BeginObject();
    w.Key("address").String(c.address.ToString());
    w.Key("holder").String(c.holder);
    w.Key("losers").BeginArray();
    for (const std::string& l : c.losers) w.String(l);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("guarded_networks").BeginArray();
  for (const schema::IpPrefix& p : agent.interfaces().guarded_networks()) {
    w.String(p.ToString());
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace podwall::daemon
