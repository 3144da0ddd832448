#include "enforcer/links/veth_discovery.h"

#include <linux/if_ether.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"

namespace podwall::enforcer {
namespace {

struct SockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using SockPtr = std::unique_ptr<nl_sock, SockDeleter>;
using CachePtr = std::unique_ptr<nl_cache, CacheDeleter>;

std::optional<schema::IpAddress> ToIp(nl_addr* a) {
  if (!a) return std::nullopt;
  schema::IpAddress ip;
  const int family = nl_addr_get_family(a);
  const unsigned len = nl_addr_get_len(a);
  if (family == AF_INET && len == 4) {
    ip.family = schema::IpFamily::kV4;
  } else if (family == AF_INET6 && len == 16) {
    ip.family = schema::IpFamily::kV6;
  } else {
    return std::nullopt;
  }
  std::memcpy(ip.bytes.data(), nl_addr_get_binary_addr(a), len);
  return ip;
}

std::string MacOf(nl_addr* a) {
  if (!a || nl_addr_get_len(a) != ETH_ALEN) return "";
  return std::string(static_cast<const char*>(nl_addr_get_binary_addr(a)),
                     ETH_ALEN);
}

struct Context {
  nl_cache* links = nullptr;
  std::map<schema::IpAddress, std::string> found;
  // (bridge ifindex, mac) -> port ifindex, from the FDB.
  std::map<std::pair<int, std::string>, int> fdb;
  // Neighbours seen on bridges, resolved after the FDB is known.
  std::vector<std::tuple<schema::IpAddress, int, std::string>> on_bridge;
};

std::string LinkName(nl_cache* links, int ifindex) {
  char buf[64] = {};
  if (!rtnl_link_i2name(links, ifindex, buf, sizeof(buf))) return "";
  return buf;
}

void OnRoute(nl_object* obj, void* arg) {
  auto* ctx = static_cast<Context*>(arg);
  auto* route = reinterpret_cast<rtnl_route*>(obj);
  if (rtnl_route_get_table(route) != RT_TABLE_MAIN) return;
  nl_addr* dst = rtnl_route_get_dst(route);
  auto ip = ToIp(dst);
  if (!ip || static_cast<int>(nl_addr_get_prefixlen(dst)) != ip->bit_length())
    return;
  if (rtnl_route_get_nnexthops(route) != 1) return;
  const int ifindex = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(route, 0));
  const std::string name = LinkName(ctx->links, ifindex);
  if (!name.empty()) ctx->found[*ip] = name;
}

void OnNeigh(nl_object* obj, void* arg) {
  auto* ctx = static_cast<Context*>(arg);
  auto* neigh = reinterpret_cast<rtnl_neigh*>(obj);
  const int family = rtnl_neigh_get_family(neigh);
  const std::string mac = MacOf(rtnl_neigh_get_lladdr(neigh));
  if (mac.empty()) return;
  if (family == AF_BRIDGE) {
    // The bridge is the port's master (older libnl does not report
    // NDA_MASTER on FDB entries).
    const int port = rtnl_neigh_get_ifindex(neigh);
    int master = rtnl_neigh_get_master(neigh);
    if (master <= 0) {
      if (rtnl_link* link = rtnl_link_get(ctx->links, port)) {
        master = rtnl_link_get_master(link);
        rtnl_link_put(link);
      }
    }
    if (master > 0 && master != port) ctx->fdb[{master, mac}] = port;
    return;
  }
  auto ip = ToIp(rtnl_neigh_get_dst(neigh));
  if (!ip) return;
  ctx->on_bridge.emplace_back(*ip, rtnl_neigh_get_ifindex(neigh), mac);
}

}  // namespace

absl::StatusOr<std::map<schema::IpAddress, std::string>>
DiscoverPodInterfaces() {
  SockPtr sock(nl_socket_alloc());
  if (!sock) return absl::InternalError("libnl: cannot allocate a socket");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: connect rtnetlink: ", nl_geterror(err)));
  }
  nl_cache* raw = nullptr;
  if (int err = rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &raw); err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: list links: ", nl_geterror(err)));
  }
  CachePtr links(raw);
  if (int err = rtnl_route_alloc_cache(sock.get(), AF_UNSPEC, 0, &raw);
      err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: list routes: ", nl_geterror(err)));
  }
  CachePtr routes(raw);
  // NL_CACHE_AF_ITER dumps every family, the bridge FDB (AF_BRIDGE)
  // included; a plain AF_UNSPEC dump leaves it out.
  if (int err =
          rtnl_neigh_alloc_cache_flags(sock.get(), &raw, NL_CACHE_AF_ITER);
      err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: list neighbours: ", nl_geterror(err)));
  }
  CachePtr neighs(raw);

  Context ctx;
  ctx.links = links.get();
  nl_cache_foreach(routes.get(), OnRoute, &ctx);
  nl_cache_foreach(neighs.get(), OnNeigh, &ctx);
  for (const auto& [ip, bridge, mac] : ctx.on_bridge) {
    if (ctx.found.contains(ip)) continue;  // A host route wins.
    auto port = ctx.fdb.find({bridge, mac});
    if (port == ctx.fdb.end()) continue;
    const std::string name = LinkName(links.get(), port->second);
    if (!name.empty()) ctx.found[ip] = name;
  }
  return ctx.found;
}

}  // namespace podwall::enforcer
