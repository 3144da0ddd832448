#ifndef PODWALL_ENFORCER_LINKS_INGRESS_QDISCS_H_
#define PODWALL_ENFORCER_LINKS_INGRESS_QDISCS_H_

// Ingress qdiscs on pods' host-side devices, from rtnetlink in the
// caller's network namespace. A tc filter there runs before the netdev
// ingress hook, and a frame it redirects (the CNI bandwidth plugin sends
// everything to an IFB device) comes back with the hook skipped: the
// device's anti-spoofing guard does not see it.

#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace podwall::links {

// Of `devices`, those with an ingress or clsact qdisc.
absl::StatusOr<std::set<std::string>> DevicesWithIngressQdisc(
    const std::set<std::string>& devices);

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_INGRESS_QDISCS_H_
