#include "enforcer/links/veth_discovery.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "enforcer/links/route_links.h"
#include "enforcer/netlink/handles.h"

namespace podwall::links {
namespace {

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
      if (netlink::RtnlLink link{rtnl_link_get(ctx->links, port)}) {
        master = rtnl_link_get_master(link.get());
      }
    }
    if (master > 0 && master != port) ctx->fdb[{master, mac}] = port;
    return;
  }
  auto ip = ToIp(rtnl_neigh_get_dst(neigh));
  if (!ip) return;
  ctx->on_bridge.emplace_back(*ip, rtnl_neigh_get_ifindex(neigh), mac);
}

struct PeerAddresses {
  std::vector<std::pair<int, schema::IpAddress>> found;  // (ifindex, ip)
};

int OnAddress(const nlmsghdr* nlh, void* arg) {
  auto* out = static_cast<PeerAddresses*>(arg);
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  // Global addresses only: a link-local one is not the pod's.
  if (ifa->ifa_scope != RT_SCOPE_UNIVERSE) return MNL_CB_OK;
  std::array<const nlattr*, IFA_MAX + 1> attrs{};
  mnl_attr_parse(
      nlh, sizeof(*ifa),
      [](const nlattr* attr, void* data) {
        const int type = mnl_attr_get_type(attr);
        if (type <= IFA_MAX) {
          (*static_cast<std::array<const nlattr*, IFA_MAX + 1>*>(data))[type] =
              attr;
        }
        return MNL_CB_OK;
      },
      &attrs);
  // IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer's
  // on a point-to-point link); IPv6 has only IFA_ADDRESS.
  const nlattr* a = attrs[IFA_LOCAL] ? attrs[IFA_LOCAL] : attrs[IFA_ADDRESS];
  if (!a) return MNL_CB_OK;
  schema::IpAddress ip;
  const uint16_t len = mnl_attr_get_payload_len(a);
  if (ifa->ifa_family == AF_INET && len == 4) {
    ip.family = schema::IpFamily::kV4;
  } else if (ifa->ifa_family == AF_INET6 && len == 16) {
    ip.family = schema::IpFamily::kV6;
  } else {
    return MNL_CB_OK;
  }
  std::memcpy(ip.bytes.data(), mnl_attr_get_payload(a), len);
  out->found.emplace_back(static_cast<int>(ifa->ifa_index), ip);
  return MNL_CB_OK;
}

// The addresses configured inside the network namespace the node calls
// `nsid` (a veth peer's), by interface index there: an RTM_GETADDR dump
// with IFA_TARGET_NETNSID, which the kernel honours under strict checking.
absl::StatusOr<PeerAddresses> AddressesInNamespace(int32_t nsid) {
  netlink::MnlSocket nl(mnl_socket_open(NETLINK_ROUTE));
  if (!nl || mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return absl::InternalError("rtnetlink socket");
  }
  int one = 1;
  if (mnl_socket_setsockopt(nl.get(), NETLINK_GET_STRICT_CHK, &one,
                            sizeof(one)) < 0) {
    return absl::UnavailableError("no strict rtnetlink checking");
  }
  PeerAddresses out;
  const unsigned portid = mnl_socket_get_portid(nl.get());
  unsigned seq = 1;
  for (uint8_t family : {AF_INET, AF_INET6}) {
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = ++seq;
    auto* ifa = static_cast<ifaddrmsg*>(
        mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    ifa->ifa_family = family;
    mnl_attr_put_u32(nlh, IFA_TARGET_NETNSID, static_cast<uint32_t>(nsid));
    if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0) {
      return absl::InternalError("rtnetlink send");
    }
    int rc;
    do {
      const ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
      if (n <= 0) return absl::InternalError("rtnetlink receive");
      rc = mnl_cb_run(buf.data(), n, seq, portid, OnAddress, &out);
    } while (rc > MNL_CB_STOP);
    if (rc < 0) {
      return absl::UnavailableError(
          absl::StrCat("addresses of namespace ", nsid, ": ", strerror(errno)));
    }
  }
  return out;
}

// Each veth's peer addresses: pod address -> host-side veth, for pods whose
// veth peer holds the address in their own namespace (bridged or routed).
// An address found behind two veths is left out (it proves nothing) and
// added to `contested`.
void AddVethPeerAddresses(nl_cache* links,
                          std::map<schema::IpAddress, std::string>& found,
                          std::set<schema::IpAddress>& contested) {
  // Veths already known to hold a pod need no look inside.
  std::set<std::string> resolved;
  for (const auto& [ip, name] : found) resolved.insert(name);
  // nsid -> (peer ifindex -> host veth name)
  std::map<int32_t, std::map<int, std::string>> veths;
  for (nl_object* o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
    auto* link = reinterpret_cast<rtnl_link*>(o);
    const char* type = rtnl_link_get_type(link);
    int32_t nsid = -1;
    if (!type || std::strcmp(type, "veth") != 0 ||
        rtnl_link_get_link_netnsid(link, &nsid) < 0 || nsid < 0 ||
        rtnl_link_get_link(link) <= 0 || !rtnl_link_get_name(link) ||
        resolved.contains(rtnl_link_get_name(link))) {
      continue;
    }
    veths[nsid][rtnl_link_get_link(link)] = rtnl_link_get_name(link);
  }
  std::map<schema::IpAddress, std::set<std::string>> claims;
  for (const auto& [nsid, peers] : veths) {
    absl::StatusOr<PeerAddresses> addresses = AddressesInNamespace(nsid);
    if (!addresses.ok()) continue;  // The other methods still apply.
    for (const auto& [ifindex, ip] : addresses->found) {
      if (auto it = peers.find(ifindex); it != peers.end()) {
        claims[ip].insert(it->second);
      }
    }
  }
  for (const auto& [ip, names] : claims) {
    if (found.contains(ip)) continue;  // A host route wins.
    if (names.size() == 1) {
      found[ip] = *names.begin();
    } else {
      contested.insert(ip);
    }
  }
}

}  // namespace

absl::StatusOr<std::map<schema::IpAddress, std::string>> DiscoverPodInterfaces(
    const std::set<schema::IpAddress>* wanted) {
  absl::StatusOr<RouteLinks> opened = OpenRouteLinks();
  if (!opened.ok()) return opened.status();
  netlink::NlSocket& sock = opened->sock;
  netlink::NlCache& links = opened->links;
  nl_cache* raw = nullptr;
  if (int err = rtnl_route_alloc_cache(sock.get(), AF_UNSPEC, 0, &raw);
      err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: list routes: ", nl_geterror(err)));
  }
  netlink::NlCache routes(raw);
  // NL_CACHE_AF_ITER dumps every family, the bridge FDB (AF_BRIDGE)
  // included; a plain AF_UNSPEC dump leaves it out.
  if (int err =
          rtnl_neigh_alloc_cache_flags(sock.get(), &raw, NL_CACHE_AF_ITER);
      err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: list neighbours: ", nl_geterror(err)));
  }
  netlink::NlCache neighs(raw);

  // Authority, strongest first: host routes (the CNI plugin wrote them
  // in the node's namespace), then the addresses each veth's peer holds in
  // its own namespace, and only then neighbour + FDB entries, which any pod
  // can feed with ARP or ND before its guard exists.
  Context ctx;
  ctx.links = links.get();
  nl_cache_foreach(routes.get(), OnRoute, &ctx);
  const bool missing = !wanted || std::any_of(wanted->begin(), wanted->end(),
                                              [&](const schema::IpAddress& a) {
                                                return !ctx.found.contains(a);
                                              });
  std::set<schema::IpAddress> contested;
  if (missing) AddVethPeerAddresses(links.get(), ctx.found, contested);
  nl_cache_foreach(neighs.get(), OnNeigh, &ctx);
  for (const auto& [ip, bridge, mac] : ctx.on_bridge) {
    if (ctx.found.contains(ip) || contested.contains(ip)) continue;
    auto port = ctx.fdb.find({bridge, mac});
    if (port == ctx.fdb.end()) continue;
    const std::string name = LinkName(links.get(), port->second);
    if (!name.empty()) ctx.found[ip] = name;
  }
  return ctx.found;
}

}  // namespace podwall::links
