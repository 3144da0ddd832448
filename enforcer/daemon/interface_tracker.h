#ifndef PODWALL_ENFORCER_DAEMON_INTERFACE_TRACKER_H_
#define PODWALL_ENFORCER_DAEMON_INTERFACE_TRACKER_H_

// InterfaceTracker: the one authority on which host-side device belongs to
// which local pod (for anti-spoofing guards), and on the guarded pod
// networks.
//
// Devices come from what the kernel shows (links::InterfaceDiscovery) and
// what podwall-cni reported; the report wins where both speak (the runtime
// made the veth; discovery's weakest source, neighbour entries, can be fed
// by any pod). Only local pods' addresses count. A device two pods'
// addresses point at keeps one owner's guard, never none: the owner it
// had, else the pod podwall-cni reported it for, else the first by name. While
// a pod has no device yet (a bridged pod that has not sent a packet), discovery
// runs again every second. A changed map goes to the compiler, then to the
// `interfaces_changed` hook.
//
// It also checks, on each discovery, that bridged pods are filtered at
// all (br_netfilter, links::InterfaceDiscovery::EnsureBridgeFiltering),
// turning it on where it can; while they are not, the daemon is not ready.
//
// Guarded networks (a Docker host's bridge subnets, from the sources) are
// kept sorted and de-duplicated; a change goes to `networks_changed`.
//
// Single-threaded (the daemon loop). Everything passed in must outlive it.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "enforcer/daemon/cluster_input.h"
#include "enforcer/daemon/logger.h"
#include "enforcer/daemon/timers.h"
#include "enforcer/links/interface_discovery.h"
#include "policy-schema/ip_prefix.h"

namespace podwall::daemon {

class InterfaceTracker {
 public:
  struct Hooks {
    std::function<void()> interfaces_changed;
    std::function<void(const std::vector<schema::IpPrefix>&)> networks_changed;
  };
  InterfaceTracker(Timers& timers, links::InterfaceDiscovery& discovery,
                   ClusterInput& input, Logger log, Hooks hooks);
  ~InterfaceTracker();
  InterfaceTracker(const InterfaceTracker&) = delete;
  InterfaceTracker& operator=(const InterfaceTracker&) = delete;

  // Discovers now.
  void Refresh();
  // Discovers shortly, once a burst of link events is over.
  void RefreshSoon();
  // After a cluster change: discovers shortly if the local pods' addresses
  // differ from those the last discovery placed (a change elsewhere in the
  // cluster costs a walk over the local endpoints, not a discovery).
  void RefreshIfLocalPodsChanged();

  // The networks the sources guard now (any order, duplicates allowed).
  void SetGuardedNetworks(std::vector<schema::IpPrefix> networks);

  // Local pods' addresses -> their host-side device.
  const std::map<schema::IpAddress, std::string>& interfaces() const {
    return interfaces_;
  }
  const std::vector<schema::IpPrefix>& guarded_networks() const {
    return networks_;
  }
  // Why bridged local pods bypass the policy chains, or "".
  const std::string& bridge_filtering_problem() const {
    return bridge_problem_;
  }
  // Everything that keeps the node from enforcing fully, one line each.
  std::vector<std::string> problems() const;

 private:
  void Arm(Timers::Clock::duration delay);
  void CheckBridgeFiltering(
      const std::map<schema::IpAddress, std::string>& local);

  Timers& timers_;
  links::InterfaceDiscovery& discovery_;
  ClusterInput& input_;
  Logger log_;
  Hooks hooks_;
  std::map<schema::IpAddress, std::string> interfaces_;
  std::set<schema::IpAddress> local_addresses_;  // At the last discovery.
  std::vector<schema::IpPrefix> networks_;
  std::string bridge_problem_;
  std::set<std::string> contested_;  // Devices two pods claim (logged).
  std::set<std::string> refused_;    // Reported devices not taken (logged).
  Timers::TimerId timer_ = 0;
};

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_INTERFACE_TRACKER_H_
