#ifndef PODWALL_ENFORCER_LINKS_BRIDGE_FILTERING_H_
#define PODWALL_ENFORCER_LINKS_BRIDGE_FILTERING_H_

// br_netfilter, seen from procfs and sysfs of the caller's network
// namespace: a frame between two ports of a bridge reaches the inet
// forward hook (podwall's policy chains) only while
// net.bridge.bridge-nf-call-iptables (IPv4) and -ip6tables (IPv6) are 1.
// With either off, or the module not loaded, bridged pods bypass every
// policy rule without a trace.

#include <set>
#include <string>

namespace podwall::links {

struct BridgeFilteringPaths {
  std::string sysctl_dir = "/proc/sys/net/bridge";
  std::string sys_class_net = "/sys/class/net";
};

// When one of `devices` is a bridge port (<sys_class_net>/<dev>/brport
// exists), sets both knobs to 1 where they read 0. Returns "" when bridged
// pods are filtered (or none of `devices` is bridged), otherwise what is
// wrong and how to fix it. Names that are not interface names are skipped.
std::string EnsureBridgeFiltering(const std::set<std::string>& devices,
                                  const BridgeFilteringPaths& paths = {});

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_BRIDGE_FILTERING_H_
