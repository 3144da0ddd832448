#include "enforcer/conntrack/established_cutter.h"

#include <netinet/in.h>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace podwall::conntrack {
namespace {

std::optional<ir::Protocol> ProtocolOf(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP:
      return ir::Protocol::kTCP;
    case IPPROTO_UDP:
      return ir::Protocol::kUDP;
    case IPPROTO_SCTP:
      return ir::Protocol::kSCTP;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::set<std::string> EndpointsToRecheck(const ir::NodePolicyDelta& delta,
                                         const ir::NodePolicyView& view) {
  std::set<std::string> out;
  for (const std::string& id : delta.endpoints) {
    if (view.FindEndpoint(id)) out.insert(id);
  }
  // Sets that lost members: the rules using them allow less.
  std::set<std::string> shrunk;
  for (const auto& [id, d] : delta.pod_set_elements) {
    if (!d.removed.empty()) shrunk.insert(id);
  }
  for (const auto& [id, d] : delta.port_set_elements) {
    if (!d.removed.empty()) shrunk.insert(id);
  }
  if (shrunk.empty() && delta.rules.empty()) return out;
  // A rule that changed, or whose peers or named ports lost members.
  auto narrowed = [&](const std::string& rule_id) {
    if (delta.rules.contains(rule_id)) return true;
    const ir::Rule* r = shrunk.empty() ? nullptr : view.FindRule(rule_id);
    if (!r) return false;
    for (const std::string& set : r->pod_set_ids) {
      if (shrunk.contains(set)) return true;
    }
    return shrunk.contains(r->port_set_id);
  };
  for (const ir::Endpoint* ep : view.Endpoints()) {
    if (ep->ingress.AnyBinding(narrowed) || ep->egress.AnyBinding(narrowed)) {
      out.insert(ep->id);
    }
  }
  return out;
}

EstablishedCutter::EstablishedCutter(ConntrackTable& table,
                                     NodeAddresses node_addresses)
    : table_(table), node_addresses_(std::move(node_addresses)) {}

CutReport EstablishedCutter::Cut(const ir::NodePolicy& policy,
                                 const std::set<std::string>& endpoints) {
  CutReport report;
  const std::set<schema::IpAddress> node = node_addresses_();
  std::set<schema::IpAddress> addresses;
  for (const std::string& id : endpoints) {
    auto ep =
        std::lower_bound(policy.endpoints.begin(), policy.endpoints.end(), id,
                         [](const ir::Endpoint& e, const std::string& key) {
                           return e.id < key;
                         });
    if (ep == policy.endpoints.end() || ep->id != id) continue;
    addresses.insert(ep->addresses.begin(), ep->addresses.end());
  }
  std::vector<CutConnection> deny;
  absl::Status st =
      table_.ForEachOf(addresses, [&](const TrackedConnection& c) {
        const std::optional<ir::Protocol> proto = ProtocolOf(c.orig.proto);
        if (!proto || c.ended) return;  // Nothing left to cut.
        // Real ends: the client as it sent, the server as it answers.
        const schema::IpAddress& client = c.orig.src;
        const schema::IpAddress& server = c.reply.src;
        if (node.contains(client) || node.contains(server)) return;
        ++report.examined;
        const uint16_t port = c.reply.sport;
        for (ir::Direction dir :
             {ir::Direction::kEgress, ir::Direction::kIngress}) {
          const bool egress = dir == ir::Direction::kEgress;
          const controller::IrDecision d =
              controller::IrDecide(policy, dir, egress ? client : server,
                                   egress ? server : client, *proto, port);
          if (d.allowed) continue;
          CutConnection cut;
          cut.connection = c;
          cut.direction = dir;
          cut.endpoint = d.endpoint ? d.endpoint->id : "";
          cut.rule = d.rule;
          if (d.side) cut.policies = d.side->policies;
          deny.push_back(std::move(cut));
          return;
        }
      });
  if (!st.ok()) ++report.errors;
  // Removed after the lookup: a dump in progress must not see its table
  // change under it.
  RemoveAll(std::move(deny), report);
  return report;
}

void EstablishedCutter::RemoveAll(std::vector<CutConnection> cut,
                                  CutReport& report) {
  for (CutConnection& c : cut) {
    absl::Status removed = table_.Remove(c.connection);
    if (removed.ok()) {
      report.cut.push_back(std::move(c));
    } else if (!absl::IsNotFound(removed)) {
      ++report.errors;  // Gone already is fine.
    }
  }
}

CutReport EstablishedCutter::CutReversed(
    const std::vector<CutConnection>& cut) {
  CutReport report;
  // The reversed connection's original direction is the cut one's reply.
  std::map<flowlog::FiveTuple, const CutConnection*> reversed;
  std::set<schema::IpAddress> addresses;
  for (const CutConnection& c : cut) {
    reversed.emplace(c.connection.reply, &c);
    addresses.insert(c.connection.reply.src);
  }
  if (reversed.empty()) return report;
  std::vector<CutConnection> found;
  absl::Status st =
      table_.ForEachOf(addresses, [&](const TrackedConnection& t) {
        ++report.examined;
        auto it = reversed.find(t.orig);
        if (it == reversed.end()) return;
        CutConnection again = *it->second;
        again.connection = t;
        found.push_back(std::move(again));
      });
  if (!st.ok()) ++report.errors;
  RemoveAll(std::move(found), report);
  return report;
}

}  // namespace podwall::conntrack
