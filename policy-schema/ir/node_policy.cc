#include "policy-schema/ir/node_policy.h"

#include <algorithm>

#include "policy-schema/json_writer.h"

namespace podwall::ir {
namespace {

template <typename T>
const T* FindById(const std::vector<T>& items, std::string_view id) {
  auto it = std::lower_bound(
      items.begin(), items.end(), id,
      [](const T& item, std::string_view key) { return item.id < key; });
  return it != items.end() && it->id == id ? &*it : nullptr;
}

void WritePortRanges(schema::JsonWriter& w,
                     const std::vector<PortRange>& ports) {
  w.BeginArray();
  for (const PortRange& p : ports) {
    w.BeginObject().Key("protocol").String(ProtocolName(p.protocol));
    w.Key("first").Int(p.first).Key("last").Int(p.last).EndObject();
  }
  w.EndArray();
}

void WriteStrings(schema::JsonWriter& w,
                  const std::vector<std::string>& values) {
  w.BeginArray();
  for (const std::string& v : values) w.String(v);
  w.EndArray();
}

void WriteBindings(schema::JsonWriter& w,
                   const std::vector<EndpointRule>& rules) {
  w.BeginArray();
  for (const EndpointRule& r : rules) {
    w.BeginObject().Key("rule").String(r.rule_id);
    if (!r.named_ports.empty()) {
      w.Key("namedPorts");
      WritePortRanges(w, r.named_ports);
    }
    w.EndObject();
  }
  w.EndArray();
}

void WriteSide(schema::JsonWriter& w, const EndpointSide& side) {
  w.BeginObject().Key("isolated").Bool(side.isolated);
  w.Key("policies");
  WriteStrings(w, side.policies);
  w.Key("rules");
  WriteBindings(w, side.rules);
  // Only when present, so that NetworkPolicy-only IR reads as before.
  if (!side.admin.empty()) {
    w.Key("admin");
    WriteBindings(w, side.admin);
  }
  if (!side.baseline.empty()) {
    w.Key("baseline");
    WriteBindings(w, side.baseline);
  }
  w.EndObject();
}

}  // namespace

const char* ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kTCP:
      return "TCP";
    case Protocol::kUDP:
      return "UDP";
    case Protocol::kSCTP:
      return "SCTP";
  }
  return "TCP";
}

std::optional<Protocol> ParseProtocol(std::string_view name) {
  if (name == "TCP") return Protocol::kTCP;
  if (name == "UDP") return Protocol::kUDP;
  if (name == "SCTP") return Protocol::kSCTP;
  return std::nullopt;
}

const char* ActionName(Action a) {
  switch (a) {
    case Action::kAllow:
      return "Allow";
    case Action::kAccept:
      return "Accept";
    case Action::kDeny:
      return "Deny";
    case Action::kPass:
      return "Pass";
  }
  return "Allow";
}

const char* TierName(Tier t) {
  switch (t) {
    case Tier::kNone:
      return "";
    case Tier::kAdmin:
      return "Admin";
    case Tier::kBaseline:
      return "Baseline";
  }
  return "";
}

const char* DirectionName(Direction d) {
  return d == Direction::kIngress ? "ingress" : "egress";
}

const Rule* NodePolicy::FindRule(std::string_view id) const {
  return FindById(rules, id);
}
const PodSet* NodePolicy::FindPodSet(std::string_view id) const {
  return FindById(pod_sets, id);
}
const CidrSet* NodePolicy::FindCidrSet(std::string_view id) const {
  return FindById(cidr_sets, id);
}
const PortSet* NodePolicy::FindPortSet(std::string_view id) const {
  return FindById(port_sets, id);
}

const Endpoint* NodePolicy::FindEndpointByAddress(
    const schema::IpAddress& ip) const {
  for (const Endpoint& e : endpoints) {
    if (std::binary_search(e.addresses.begin(), e.addresses.end(), ip)) {
      return &e;
    }
  }
  return nullptr;
}

bool NodePolicyDelta::empty() const { return size() == 0; }

std::size_t NodePolicyDelta::size() const {
  std::size_t n = endpoints.size() + rules.size() + pod_sets_created.size() +
                  pod_sets_deleted.size() + cidr_sets_created.size() +
                  cidr_sets_deleted.size() + port_sets_created.size() +
                  port_sets_deleted.size();
  for (const auto& [id, d] : pod_set_elements) {
    n += d.added.size() + d.removed.size();
  }
  for (const auto& [id, d] : port_set_elements) {
    n += d.added.size() + d.removed.size();
  }
  return n;
}

std::string ToJson(const NodePolicy& policy) {
  schema::JsonWriter w;
  w.BeginObject().Key("apiVersion").String("podwall.dev/v1alpha1");
  w.Key("kind").String("NodePolicy");
  w.Key("nodeName").String(policy.node_name);
  w.Key("endpoints").BeginArray();
  for (const Endpoint& e : policy.endpoints) {
    w.BeginObject().Key("id").String(e.id);
    w.Key("namespace").String(e.namespace_).Key("name").String(e.name);
    w.Key("addresses").BeginArray();
    for (const auto& a : e.addresses) w.String(a.ToString());
    w.EndArray();
    if (!e.interfaces.empty()) {
      w.Key("interfaces").BeginArray();
      for (const std::string& i : e.interfaces) w.String(i);
      w.EndArray();
    }
    w.Key("ingress");
    WriteSide(w, e.ingress);
    w.Key("egress");
    WriteSide(w, e.egress);
    w.EndObject();
  }
  w.EndArray();
  w.Key("rules").BeginArray();
  for (const Rule& r : policy.rules) {
    w.BeginObject().Key("id").String(r.id);
    w.Key("origin").BeginObject();
    w.Key("kind").String(r.origin.kind);
    w.Key("namespace").String(r.origin.namespace_);
    w.Key("name").String(r.origin.name);
    w.Key("direction").String(DirectionName(r.origin.direction));
    w.Key("index").Int(r.origin.index);
    if (r.origin.tier != Tier::kNone) {
      w.Key("tier").String(TierName(r.origin.tier));
      w.Key("priority").Int(r.origin.priority);
      if (!r.origin.rule_name.empty()) {
        w.Key("ruleName").String(r.origin.rule_name);
      }
    }
    w.EndObject();
    if (r.action != Action::kAllow) {
      w.Key("action").String(ActionName(r.action));
    }
    w.Key("anyPeer").Bool(r.any_peer);
    if (!r.pod_set_ids.empty()) {
      w.Key("podSets");
      WriteStrings(w, r.pod_set_ids);
    }
    if (!r.cidr_set_id.empty()) w.Key("cidrSet").String(r.cidr_set_id);
    w.Key("anyPort").Bool(r.any_port);
    if (!r.ports.empty()) {
      w.Key("ports");
      WritePortRanges(w, r.ports);
    }
    if (!r.named_ports.empty()) {
      w.Key("namedPorts").BeginArray();
      for (const auto& [proto, name] : r.named_ports) {
        w.BeginObject().Key("protocol").String(ProtocolName(proto));
        w.Key("name").String(name).EndObject();
      }
      w.EndArray();
    }
    if (!r.port_set_id.empty()) w.Key("portSet").String(r.port_set_id);
    w.EndObject();
  }
  w.EndArray();
  w.Key("podSets").BeginArray();
  for (const PodSet& s : policy.pod_sets) {
    w.BeginObject().Key("id").String(s.id).Key("addresses").BeginArray();
    for (const auto& a : s.addresses) w.String(a.ToString());
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("cidrSets").BeginArray();
  for (const CidrSet& s : policy.cidr_sets) {
    w.BeginObject().Key("id").String(s.id).Key("ranges").BeginArray();
    for (const auto& r : s.ranges) {
      w.BeginArray().String(r.first.ToString()).String(r.last.ToString());
      w.EndArray();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("portSets").BeginArray();
  for (const PortSet& s : policy.port_sets) {
    w.BeginObject().Key("id").String(s.id).Key("tuples").BeginArray();
    for (const auto& t : s.tuples) {
      w.BeginArray().String(t.address.ToString());
      w.String(ProtocolName(t.protocol)).Int(t.port).EndArray();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace podwall::ir
