#ifndef PODWALL_ENFORCER_TRACE_PROBE_H_
#define PODWALL_ENFORCER_TRACE_PROBE_H_

// `podwall trace --probe`: one real connection attempt sent from inside the
// source pod's network namespace (links/pod_netns.h finds it), so that the
// kernel has a packet to trace. TCP: a non-blocking connect (its SYN is the
// traced packet); UDP: one datagram. The socket is made in the pod's
// namespace by a short-lived thread and used from the caller's.

#include <string>

#include "absl/status/statusor.h"
#include "enforcer/netlink/handles.h"
#include "enforcer/trace/trace_arm.h"

namespace podwall::trace {

// Starts the attempt; the returned socket belongs to the pod's namespace.
absl::StatusOr<netlink::UniqueFd> StartProbe(int netns_fd,
                                             const TraceTarget& target);

// What the attempt came to by now: "connected", "refused", "no answer
// (the SYN got no reply)", "sent one datagram", ...
std::string ProbeOutcome(int fd, ir::Protocol protocol);

}  // namespace podwall::trace

#endif  // PODWALL_ENFORCER_TRACE_PROBE_H_
