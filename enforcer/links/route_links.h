#ifndef PODWALL_ENFORCER_LINKS_ROUTE_LINKS_H_
#define PODWALL_ENFORCER_LINKS_ROUTE_LINKS_H_

// An rtnetlink socket (libnl) in the caller's network namespace, and the
// links it lists: where every look at the host's devices starts.

#include "absl/status/statusor.h"
#include "enforcer/netlink/handles.h"

namespace podwall::links {

struct RouteLinks {
  netlink::NlSocket sock;
  netlink::NlCache links;
};

// Internal error, naming the step, when rtnetlink cannot be read.
absl::StatusOr<RouteLinks> OpenRouteLinks();

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_ROUTE_LINKS_H_
