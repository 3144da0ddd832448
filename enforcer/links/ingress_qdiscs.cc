#include "enforcer/links/ingress_qdiscs.h"

#include <linux/pkt_sched.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include "absl/strings/str_cat.h"
#include "enforcer/links/route_links.h"
#include "enforcer/netlink/handles.h"

namespace podwall::links {

absl::StatusOr<std::set<std::string>> DevicesWithIngressQdisc(
    const std::set<std::string>& devices) {
  std::set<std::string> out;
  if (devices.empty()) return out;
  absl::StatusOr<RouteLinks> opened = OpenRouteLinks();
  if (!opened.ok()) return opened.status();
  netlink::NlCache& links = opened->links;
  nl_cache* raw = nullptr;
  if (int err = rtnl_qdisc_alloc_cache(opened->sock.get(), &raw); err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: list qdiscs: ", nl_geterror(err)));
  }
  netlink::NlCache qdiscs(raw);
  for (nl_object* o = nl_cache_get_first(qdiscs.get()); o;
       o = nl_cache_get_next(o)) {
    auto* tc = TC_CAST(o);
    // ingress and clsact both sit at TC_H_INGRESS (== TC_H_CLSACT).
    if (rtnl_tc_get_parent(tc) != TC_H_INGRESS) continue;
    char name[64] = {};
    if (!rtnl_link_i2name(links.get(), rtnl_tc_get_ifindex(tc), name,
                          sizeof(name))) {
      continue;
    }
    if (devices.contains(name)) out.insert(name);
  }
  return out;
}

}  // namespace podwall::links
