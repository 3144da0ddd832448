#ifndef PODWALL_ENFORCER_CONNTRACK_ESTABLISHED_CUTTER_H_
#define PODWALL_ENFORCER_CONNTRACK_ESTABLISHED_CUTTER_H_

// Established connections follow the policy: after a sync that may have
// taken an allowance away, the tracked connections of the local endpoints
// it touched are judged against the new IR, and those it now denies are
// removed from conntrack. Their next packet is then new to the kernel and
// meets the policy chains, which drop it. Connections still allowed are
// left alone (their entries, counters and flow records untouched).
//
// What is judged: TCP, UDP and SCTP connections, by their real ends (the
// client as it sent, the server as it answers: a Service's NAT is undone),
// egress at the client and ingress at the server when they are local
// endpoints, exactly as the kernel decides a new connection. Connections
// with the node (or a host-network pod) are never judged: node <-> pod
// traffic is always allowed.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "controller/ir_evaluator.h"
#include "enforcer/conntrack/conntrack_table.h"
#include "policy-schema/ir/node_policy.h"

namespace podwall::conntrack {

// The local endpoints whose allowances a delta may have narrowed: those it
// rebinds, those bound to a rule it changed, and those bound to a rule
// whose peer or named-port set lost elements. A delta that only adds set
// elements names none: widening costs nothing here.
std::set<std::string> EndpointsToRecheck(const ir::NodePolicyDelta& delta,
                                         const ir::NodePolicyView& view);

// A connection cut, and why.
struct CutConnection {
  TrackedConnection connection;
  ir::Direction direction = ir::Direction::kIngress;  // The side that denies.
  std::string endpoint;  // That side's endpoint ("ns/pod").
  // The rule that denies (a ClusterNetworkPolicy Deny), else null: the
  // side's implicit deny, whose isolating policies are these.
  const ir::Rule* rule = nullptr;
  std::vector<std::string> policies;
};

struct CutReport {
  std::size_t examined = 0;  // Connections judged.
  std::vector<CutConnection> cut;
  std::size_t errors = 0;  // Lookups or removals that failed.
};

class EstablishedCutter {
 public:
  // `node_addresses`: the node's own addresses (its interfaces'), asked
  // once per Cut.
  using NodeAddresses = std::function<std::set<schema::IpAddress>()>;
  EstablishedCutter(ConntrackTable& table, NodeAddresses node_addresses);

  // Judges the connections of `endpoints` (IDs in `policy`) and removes
  // those `policy` denies.
  CutReport Cut(const ir::NodePolicy& policy,
                const std::set<std::string>& endpoints);

  // Removes the connections that run one of `cut` backwards. A packet of
  // the server already on its way when an entry went makes the kernel
  // track (server -> client) as a new connection, which the policy may
  // well allow (the client may be open to the server), and the client's
  // packets would then pass as its replies. Meant to run shortly after a
  // Cut (the daemon does, twice); the report names the originals.
  CutReport CutReversed(const std::vector<CutConnection>& cut);

 private:
  // Removes each of `cut` from the table; those removed go to the report.
  void RemoveAll(std::vector<CutConnection> cut, CutReport& report);

  ConntrackTable& table_;
  NodeAddresses node_addresses_;
};

}  // namespace podwall::conntrack

#endif  // PODWALL_ENFORCER_CONNTRACK_ESTABLISHED_CUTTER_H_
