#include "enforcer/links/pod_netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/route/link.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"

namespace podwall::links {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// The id the caller's namespace gives the namespace open at `fd`, if any.
std::optional<int32_t> NsidOf(mnl_socket* nl, int fd, uint32_t seq) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = RTM_GETNSID;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = seq;
  auto* g =
      static_cast<rtgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg)));
  g->rtgen_family = AF_UNSPEC;
  mnl_attr_put_u32(nlh, NETNSA_FD, static_cast<uint32_t>(fd));
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) return std::nullopt;
  const ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
  if (n <= 0) return std::nullopt;
  const auto* reply = reinterpret_cast<const nlmsghdr*>(buf);
  if (!mnl_nlmsg_ok(reply, static_cast<int>(n)) ||
      reply->nlmsg_type != RTM_NEWNSID) {
    return std::nullopt;
  }
  std::optional<int32_t> id;
  mnl_attr_parse(
      reply, sizeof(rtgenmsg),
      [](const nlattr* attr, void* data) {
        if (mnl_attr_get_type(attr) == NETNSA_NSID) {
          *static_cast<std::optional<int32_t>*>(data) =
              static_cast<int32_t>(mnl_attr_get_u32(attr));
        }
        return MNL_CB_OK;
      },
      &id);
  return id;
}

void AddDir(const std::string& dir, std::vector<std::string>& out) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    out.push_back(dir + "/" + e->d_name);
  }
  closedir(d);
}

}  // namespace

absl::StatusOr<netlink::UniqueFd> OpenPeerNetns(
    const std::string& device, const std::vector<std::string>& netns_dirs) {
  netlink::NlSocket sock(nl_socket_alloc());
  if (!sock || nl_connect(sock.get(), NETLINK_ROUTE) < 0) {
    return absl::InternalError("rtnetlink socket");
  }
  rtnl_link* raw = nullptr;
  if (rtnl_link_get_kernel(sock.get(), 0, device.c_str(), &raw) < 0) {
    return absl::NotFoundError(absl::StrCat("no interface ", device));
  }
  netlink::RtnlLink link(raw);
  int32_t peer_nsid = -1;
  if (rtnl_link_get_link_netnsid(link.get(), &peer_nsid) < 0 || peer_nsid < 0) {
    return absl::NotFoundError(
        absl::StrCat(device, " has no peer in another network namespace"));
  }

  netlink::MnlSocket nl(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC));
  if (!nl || mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return Errno("rtnetlink socket for namespace ids");
  }
  std::vector<std::string> candidates;
  for (const std::string& dir : netns_dirs) AddDir(dir, candidates);
  if (DIR* proc = opendir("/proc")) {
    while (dirent* e = readdir(proc)) {
      if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
        candidates.push_back(absl::StrCat("/proc/", e->d_name, "/ns/net"));
      }
    }
    closedir(proc);
  }
  std::set<std::pair<dev_t, ino_t>> asked;
  uint32_t seq = 1;
  for (const std::string& path : candidates) {
    netlink::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) continue;
    struct stat st {};
    if (fstat(fd.get(), &st) != 0 ||
        !asked.insert({st.st_dev, st.st_ino}).second) {
      continue;  // The same namespace, already asked.
    }
    if (NsidOf(nl.get(), fd.get(), seq++) == peer_nsid) return fd;
  }
  return absl::NotFoundError(absl::StrCat(
      "the network namespace of ", device, "'s peer (id ", peer_nsid,
      ") has no file under /run/netns, /run/docker/netns or /proc"));
}

}  // namespace podwall::links
