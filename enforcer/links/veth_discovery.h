#ifndef PODWALL_ENFORCER_LINKS_VETH_DISCOVERY_H_
#define PODWALL_ENFORCER_LINKS_VETH_DISCOVERY_H_

// Finds each local pod's host-side interface from its address, with
// rtnetlink in the caller's network namespace. Sources in order of
// authority, a stronger one never overridden by a weaker one:
//   routed veths (ptp, Calico-style): the /32 or /128 route to the pod
//     names the veth (the CNI plugin wrote it in the node's namespace);
//   while wanted addresses are still unknown: each remaining veth whose
//     peer sits in another namespace has its peer's addresses read across
//     namespaces (IFA_TARGET_NETNSID), one dump per such namespace; this
//     finds bridged pods (bridge plugin, docker0) before they send a
//     packet. An address claimed behind two veths is contested: left out,
//     and not guessed from neighbours either;
//   bridged veths, for what is still unknown: the neighbour entry gives the
//     pod's MAC on the bridge, and the bridge's forwarding database the
//     port (veth) that MAC sits behind. Any pod can feed these with ARP or
//     ND (before its guard exists), so they come last.

#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "enforcer/links/bridge_filtering.h"
#include "enforcer/links/interface_discovery.h"
#include "enforcer/links/sysfs_devices.h"
#include "policy-schema/ip_prefix.h"

namespace podwall::links {

// Address -> host-side interface name, for every address one of the two
// methods resolves. Internal error when rtnetlink cannot be read.
// `wanted`: the local pods' addresses (the last method runs only for those
// still unknown); nullptr runs it for every veth.
absl::StatusOr<std::map<schema::IpAddress, std::string>> DiscoverPodInterfaces(
    const std::set<schema::IpAddress>* wanted = nullptr);

// InterfaceDiscovery over DiscoverPodInterfaces, in the caller's network
// namespace.
class RtnetlinkInterfaceDiscovery : public InterfaceDiscovery {
 public:
  absl::StatusOr<std::map<schema::IpAddress, std::string>> Discover(
      const std::set<schema::IpAddress>& wanted) override {
    return DiscoverPodInterfaces(&wanted);
  }
  std::string EnsureBridgeFiltering(
      const std::set<std::string>& devices) override {
    return links::EnsureBridgeFiltering(devices);
  }
  bool IsPodDevice(const std::string& name) override {
    return links::IsPairedDevice(name);
  }
};

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_VETH_DISCOVERY_H_
