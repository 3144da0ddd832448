#include "enforcer/links/route_links.h"

#include <netlink/route/link.h>

#include "absl/strings/str_cat.h"

namespace podwall::links {

absl::StatusOr<RouteLinks> OpenRouteLinks() {
  RouteLinks out{netlink::NlSocket(nl_socket_alloc()), netlink::NlCache()};
  if (!out.sock) return absl::InternalError("libnl: cannot allocate a socket");
  if (int err = nl_connect(out.sock.get(), NETLINK_ROUTE); err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: connect rtnetlink: ", nl_geterror(err)));
  }
  nl_cache* raw = nullptr;
  if (int err = rtnl_link_alloc_cache(out.sock.get(), AF_UNSPEC, &raw);
      err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: list links: ", nl_geterror(err)));
  }
  out.links = netlink::NlCache(raw);
  return out;
}

}  // namespace podwall::links
