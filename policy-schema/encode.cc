#include "policy-schema/encode.h"

namespace podwall::schema {
namespace {

void WriteLabels(JsonWriter& w, const Labels& labels) {
  w.BeginObject();
  for (const auto& [k, v] : labels) w.Key(k).String(v);
  w.EndObject();
}

void WriteMeta(JsonWriter& w, const ObjectMeta& m) {
  w.Key("metadata").BeginObject();
  if (!m.name.empty()) w.Key("name").String(m.name);
  if (!m.generate_name.empty()) w.Key("generateName").String(m.generate_name);
  if (!m.namespace_.empty()) w.Key("namespace").String(m.namespace_);
  if (!m.uid.empty()) w.Key("uid").String(m.uid);
  if (!m.creation_timestamp.empty()) {
    w.Key("creationTimestamp").String(m.creation_timestamp);
  }
  if (!m.resource_version.empty()) {
    w.Key("resourceVersion").String(m.resource_version);
  }
  if (!m.labels.empty()) {
    w.Key("labels");
    WriteLabels(w, m.labels);
  }
  w.EndObject();
}

void WriteSelector(JsonWriter& w, const LabelSelector& s) {
  w.BeginObject();
  if (!s.match_labels.empty()) {
    w.Key("matchLabels");
    WriteLabels(w, s.match_labels);
  }
  if (!s.match_expressions.empty()) {
    w.Key("matchExpressions").BeginArray();
    for (const auto& e : s.match_expressions) {
      w.BeginObject().Key("key").String(e.key).Key("operator").String(e.op);
      if (!e.values.empty()) {
        w.Key("values").BeginArray();
        for (const auto& v : e.values) w.String(v);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

void WritePorts(JsonWriter& w, const std::vector<NetworkPolicyPort>& ports) {
  w.Key("ports").BeginArray();
  for (const auto& p : ports) {
    w.BeginObject();
    if (p.protocol) w.Key("protocol").String(*p.protocol);
    if (p.port) {
      w.Key("port");
      if (p.port->is_name) {
        w.String(p.port->name);
      } else {
        w.Int(p.port->number);
      }
    }
    if (p.end_port) w.Key("endPort").Int(*p.end_port);
    w.EndObject();
  }
  w.EndArray();
}

void WritePeers(JsonWriter& w, const char* key,
                const std::vector<NetworkPolicyPeer>& peers) {
  w.Key(key).BeginArray();
  for (const auto& p : peers) {
    w.BeginObject();
    if (p.pod_selector) {
      w.Key("podSelector");
      WriteSelector(w, *p.pod_selector);
    }
    if (p.namespace_selector) {
      w.Key("namespaceSelector");
      WriteSelector(w, *p.namespace_selector);
    }
    if (p.ip_block) {
      w.Key("ipBlock").BeginObject().Key("cidr").String(p.ip_block->cidr);
      if (!p.ip_block->except.empty()) {
        w.Key("except").BeginArray();
        for (const auto& e : p.ip_block->except) w.String(e);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
}

template <typename Rule>
void WriteRules(JsonWriter& w, const char* key, const char* peers_key,
                const std::vector<Rule>& rules, auto peers_of) {
  if (rules.empty()) return;
  w.Key(key).BeginArray();
  for (const Rule& r : rules) {
    w.BeginObject();
    if (!r.ports.empty()) WritePorts(w, r.ports);
    if (!peers_of(r).empty()) WritePeers(w, peers_key, peers_of(r));
    w.EndObject();
  }
  w.EndArray();
}

void WriteNamespacedPod(JsonWriter& w, const NamespacedPod& pods) {
  w.BeginObject().Key("namespaceSelector");
  WriteSelector(w, pods.namespace_selector);
  w.Key("podSelector");
  WriteSelector(w, pods.pod_selector);
  w.EndObject();
}

void WriteStrings(JsonWriter& w, const char* key,
                  const std::vector<std::string>& values) {
  w.Key(key).BeginArray();
  for (const std::string& v : values) w.String(v);
  w.EndArray();
}

void WriteClusterPeer(JsonWriter& w, const ClusterNetworkPolicyPeer& p) {
  w.BeginObject();
  if (p.namespaces) {
    w.Key("namespaces");
    WriteSelector(w, *p.namespaces);
  }
  if (p.pods) {
    w.Key("pods");
    WriteNamespacedPod(w, *p.pods);
  }
  if (p.nodes) {
    w.Key("nodes");
    WriteSelector(w, *p.nodes);
  }
  if (p.networks) WriteStrings(w, "networks", *p.networks);
  if (p.domain_names) WriteStrings(w, "domainNames", *p.domain_names);
  w.EndObject();
}

void WriteClusterProtocol(JsonWriter& w,
                          const ClusterNetworkPolicyProtocol& p) {
  w.BeginObject();
  for (const auto& [key, ports] :
       {std::pair{"tcp", &p.tcp}, {"udp", &p.udp}, {"sctp", &p.sctp}}) {
    if (!*ports) continue;
    w.Key(key).BeginObject();
    if (const auto& port = (*ports)->destination_port) {
      w.Key("destinationPort").BeginObject();
      if (port->number) w.Key("number").Int(*port->number);
      if (port->range) {
        w.Key("range").BeginObject();
        w.Key("start").Int(port->range->start);
        w.Key("end").Int(port->range->end).EndObject();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  if (p.destination_named_port) {
    w.Key("destinationNamedPort").String(*p.destination_named_port);
  }
  w.EndObject();
}

void WriteClusterRules(JsonWriter& w, const char* key, const char* peers_key,
                       const std::vector<ClusterNetworkPolicyRule>& rules) {
  if (rules.empty()) return;
  w.Key(key).BeginArray();
  for (const ClusterNetworkPolicyRule& r : rules) {
    w.BeginObject();
    if (!r.name.empty()) w.Key("name").String(r.name);
    w.Key("action").String(r.action);
    if (r.peers) {
      w.Key(peers_key).BeginArray();
      for (const auto& peer : *r.peers) WriteClusterPeer(w, peer);
      w.EndArray();
    }
    if (r.protocols) {
      w.Key("protocols").BeginArray();
      for (const auto& protocol : *r.protocols) {
        WriteClusterProtocol(w, protocol);
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
}

struct FieldWriter {
  JsonWriter& w;
  bool type_meta;

  void operator()(const Namespace& ns) const {
    if (type_meta)
      w.Key("kind").String("Namespace").Key("apiVersion").String("v1");
    WriteMeta(w, ns.metadata);
  }

  void operator()(const Pod& pod) const {
    if (type_meta) w.Key("kind").String("Pod").Key("apiVersion").String("v1");
    WriteMeta(w, pod.metadata);
    w.Key("spec").BeginObject();
    if (!pod.spec.node_name.empty()) {
      w.Key("nodeName").String(pod.spec.node_name);
    }
    if (pod.spec.host_network) w.Key("hostNetwork").Bool(true);
    w.Key("containers").BeginArray();
    for (const auto& c : pod.spec.containers) {
      w.BeginObject().Key("name").String(c.name);
      if (!c.ports.empty()) {
        w.Key("ports").BeginArray();
        for (const auto& p : c.ports) {
          w.BeginObject();
          if (!p.name.empty()) w.Key("name").String(p.name);
          w.Key("containerPort").Int(p.container_port);
          if (p.protocol) w.Key("protocol").String(*p.protocol);
          w.EndObject();
        }
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray().EndObject();
    w.Key("status").BeginObject();
    if (!pod.status.phase.empty()) w.Key("phase").String(pod.status.phase);
    if (!pod.status.pod_ip.empty()) w.Key("podIP").String(pod.status.pod_ip);
    if (!pod.status.pod_ips.empty()) {
      w.Key("podIPs").BeginArray();
      for (const auto& ip : pod.status.pod_ips) {
        w.BeginObject().Key("ip").String(ip).EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  }

  void operator()(const NetworkPolicy& np) const {
    if (type_meta) {
      w.Key("kind").String("NetworkPolicy");
      w.Key("apiVersion").String("networking.k8s.io/v1");
    }
    WriteMeta(w, np.metadata);
    w.Key("spec").BeginObject().Key("podSelector");
    WriteSelector(w, np.spec.pod_selector);
    WriteRules(
        w, "ingress", "from", np.spec.ingress, [
        ](const NetworkPolicyIngressRule& r) -> const auto& { return r.from; });
    WriteRules(
        w, "egress", "to", np.spec.egress,
        [](const NetworkPolicyEgressRule& r) -> const auto& { return r.to; });
    if (!np.spec.policy_types.empty()) {
      w.Key("policyTypes").BeginArray();
      for (const auto& t : np.spec.policy_types) w.String(t);
      w.EndArray();
    }
    w.EndObject();
  }

  void operator()(const ClusterNetworkPolicy& cnp) const {
    if (type_meta) {
      w.Key("kind").String("ClusterNetworkPolicy");
      w.Key("apiVersion").String("policy.networking.k8s.io/v1alpha2");
    }
    WriteMeta(w, cnp.metadata);
    const ClusterNetworkPolicySpec& spec = cnp.spec;
    w.Key("spec").BeginObject().Key("tier").String(spec.tier);
    if (spec.priority) w.Key("priority").Int(*spec.priority);
    if (spec.subject) {
      w.Key("subject").BeginObject();
      if (spec.subject->namespaces) {
        w.Key("namespaces");
        WriteSelector(w, *spec.subject->namespaces);
      }
      if (spec.subject->pods) {
        w.Key("pods");
        WriteNamespacedPod(w, *spec.subject->pods);
      }
      w.EndObject();
    }
    WriteClusterRules(w, "ingress", "from", spec.ingress);
    WriteClusterRules(w, "egress", "to", spec.egress);
    w.EndObject();
  }

  void operator()(const Node& node) const {
    if (type_meta) w.Key("kind").String("Node").Key("apiVersion").String("v1");
    WriteMeta(w, node.metadata);
    w.Key("status").BeginObject().Key("addresses").BeginArray();
    for (const NodeAddress& a : node.addresses) {
      w.BeginObject().Key("type").String(a.type);
      w.Key("address").String(a.address).EndObject();
    }
    w.EndArray().EndObject();
  }
};

}  // namespace

void WriteObjectFields(JsonWriter& w, const Object& object, bool type_meta) {
  std::visit(FieldWriter{w, type_meta}, object);
}

std::string EncodeJson(const Object& object) {
  JsonWriter w;
  w.BeginObject();
  WriteObjectFields(w, object, /*type_meta=*/true);
  w.EndObject();
  return w.Take();
}

}  // namespace podwall::schema
