#include "controller/cluster_dump.h"

#include "policy-schema/encode.h"
#include "policy-schema/json_writer.h"

namespace podwall::controller {

schema::Pod PodFromWorkload(const Workload& w) {
  schema::Pod pod;
  pod.metadata.name = w.name;
  pod.metadata.namespace_ = w.namespace_;
  pod.metadata.labels = w.labels;
  pod.metadata.creation_timestamp = w.created;
  pod.spec.node_name = w.node_name;
  pod.spec.host_network = w.host_network;
  if (!w.named_ports.empty()) {
    schema::Container& c = pod.spec.containers.emplace_back();
    c.name = "main";
    for (const NamedPort& p : w.named_ports) {
      c.ports.push_back(
          {p.name, p.port, std::string(ir::ProtocolName(p.protocol))});
    }
  }
  pod.status.phase = w.running || w.host_network ? "Running" : "Succeeded";
  for (const schema::IpAddress& a : w.claimed_addresses) {
    pod.status.pod_ips.push_back(a.ToString());
  }
  if (!pod.status.pod_ips.empty()) pod.status.pod_ip = pod.status.pod_ips[0];
  return pod;
}

std::string ClusterStateToJsonList(const ClusterState& state) {
  schema::JsonWriter w;
  w.BeginObject().Key("apiVersion").String("v1").Key("kind").String("List");
  w.Key("items").BeginArray();
  auto item = [&](const schema::Object& o) {
    w.BeginObject();
    schema::WriteObjectFields(w, o, /*type_meta=*/true);
    w.EndObject();
  };
  for (const auto& [name, ns] : state.namespace_objects()) item(ns);
  for (const auto& [name, node] : state.nodes()) item(node);
  for (const auto& [key, workload] : state.workloads()) {
    item(PodFromWorkload(workload));
  }
  for (const auto& [key, policy] : state.policies()) item(policy);
  for (const auto& [name, policy] : state.cluster_policies()) item(policy);
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace podwall::controller
