#ifndef PODWALL_ENFORCER_LINKS_INTERFACE_DISCOVERY_H_
#define PODWALL_ENFORCER_LINKS_INTERFACE_DISCOVERY_H_

// InterfaceDiscovery: the seam between the daemon and the kernel's view of
// which host-side interface leads to which pod address. The production
// implementation reads rtnetlink (RtnetlinkInterfaceDiscovery,
// veth_discovery.h); tests use FakeInterfaceDiscovery.
// Not thread-safe; the sync loop owns one.

#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "policy-schema/ip_prefix.h"

namespace podwall::links {

class InterfaceDiscovery {
 public:
  virtual ~InterfaceDiscovery() = default;
  // Address -> host-side interface for what the kernel shows; `wanted`
  // names the addresses the caller needs (an implementation may look
  // harder for those). Internal error when the kernel cannot be read.
  virtual absl::StatusOr<std::map<schema::IpAddress, std::string>> Discover(
      const std::set<schema::IpAddress>& wanted) = 0;

  // Bridged pods are filtered only where br_netfilter shows bridged
  // traffic to the inet hooks (net.bridge.bridge-nf-call-iptables and
  // -ip6tables, per network namespace). When one of `devices` (the local
  // pods' host-side devices) is a bridge port, turns both on where they
  // are off; returns why they cannot be, or "" when bridged pods are
  // filtered (or none is bridged).
  virtual std::string EnsureBridgeFiltering(
      const std::set<std::string>& devices) = 0;

  // Whether `name` is a device that can be a pod's host side: it exists
  // and is one end of a pair (a veth: its peer is another device). A
  // reported name that is not (a typo, an IFB device, a name no device
  // has) must not get a guard: the kernel would refuse the whole batch,
  // or the pod's real veth would go unguarded.
  virtual bool IsPodDevice(const std::string& name) = 0;
};

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_INTERFACE_DISCOVERY_H_
