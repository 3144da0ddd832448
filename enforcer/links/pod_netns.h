#ifndef PODWALL_ENFORCER_LINKS_POD_NETNS_H_
#define PODWALL_ENFORCER_LINKS_POD_NETNS_H_

// Finding a pod's network namespace from its host-side interface, the same
// way for every kind of pod: the veth reports the namespace id of its peer
// (IFLA_LINK_NETNSID, relative to the node's namespace), and the namespace
// files the node can see — /run/netns (CNI runtimes, ip netns),
// /run/docker/netns (Docker), and /proc/PID/ns/net of every process
// (Kubernetes pods, whose sandbox process holds the namespace) — are asked
// for their id (RTM_GETNSID) until one matches. No source needs to say
// where a pod's namespace is, so CNI pods, Kubernetes pods and Docker
// containers are all found alike.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "enforcer/netlink/handles.h"

namespace podwall::links {

// An open descriptor of the namespace at the other end of `device` (a
// veth in the caller's namespace). NotFound when the device is not a veth
// with its peer in another namespace, or no namespace file matches.
absl::StatusOr<netlink::UniqueFd> OpenPeerNetns(
    const std::string& device, const std::vector<std::string>& netns_dirs = {
                                   "/run/netns", "/run/docker/netns"});

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_POD_NETNS_H_
