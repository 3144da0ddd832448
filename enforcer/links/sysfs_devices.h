#ifndef PODWALL_ENFORCER_LINKS_SYSFS_DEVICES_H_
#define PODWALL_ENFORCER_LINKS_SYSFS_DEVICES_H_

// Network devices as sysfs shows them in the caller's network namespace.
// Names given here may come from outside (podwall-cni's reports): they are
// checked before they become paths.

#include <string>

namespace podwall::links {

// Whether `name` could be an interface name (dev_valid_name): a path
// component, never "." or "..", at most 15 bytes.
bool ValidInterfaceName(const std::string& name);

// Whether `name` exists and is one end of a pair: its iflink is another
// device's ifindex, as for a veth (an IFB or a dummy device is its own).
bool IsPairedDevice(const std::string& name,
                    const std::string& sys_class_net = "/sys/class/net");

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_SYSFS_DEVICES_H_
