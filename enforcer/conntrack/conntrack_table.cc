#include "enforcer/conntrack/conntrack_table.h"

#include <arpa/inet.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "enforcer/conntrack/ctnetlink.h"

namespace podwall::conntrack {
namespace {

// nf_conntrack_netlink.c's tuple filter flags (kernel-internal names, not
// in the UAPI headers): which fields of the filter's tuple must match.
constexpr uint32_t kFilterIpSource = 1u << 0;

constexpr std::size_t kBufferSize = 64 << 10;

nlmsghdr* Request(char* buf, uint8_t type, uint16_t flags, uint8_t family,
                  uint32_t seq) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  nlh->nlmsg_seq = seq;
  auto* nfg =
      static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = family;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  return nlh;
}

uint8_t FamilyOf(const schema::IpAddress& a) {
  return a.family == schema::IpFamily::kV4 ? AF_INET : AF_INET6;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NetlinkConntrackTable>>
NetlinkConntrackTable::Create() {
  auto t = std::unique_ptr<NetlinkConntrackTable>(new NetlinkConntrackTable());
  t->nl_ =
      netlink::MnlSocket(mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC));
  if (!t->nl_ || mnl_socket_bind(t->nl_.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return absl::InternalError(
        absl::StrCat("ctnetlink socket: ", std::strerror(errno)));
  }
  t->portid_ = mnl_socket_get_portid(t->nl_.get());
  return t;
}

absl::Status NetlinkConntrackTable::Exchange(
    char* buf, const std::function<void(const nlmsghdr*)>& fn) {
  const auto* req = reinterpret_cast<const nlmsghdr*>(buf);
  const uint32_t seq = req->nlmsg_seq;
  if (mnl_socket_sendto(nl_.get(), req, req->nlmsg_len) < 0) {
    return absl::InternalError(
        absl::StrCat("ctnetlink send: ", std::strerror(errno)));
  }
  std::vector<char> reply(kBufferSize);
  struct Ctx {
    const std::function<void(const nlmsghdr*)>* fn;
  } ctx{&fn};
  while (true) {
    const ssize_t n =
        mnl_socket_recvfrom(nl_.get(), reply.data(), reply.size());
    if (n < 0) {
      return absl::InternalError(
          absl::StrCat("ctnetlink receive: ", std::strerror(errno)));
    }
    const int r = mnl_cb_run(
        reply.data(), static_cast<std::size_t>(n), seq, portid_,
        [](const nlmsghdr* nlh, void* data) {
          (*static_cast<Ctx*>(data)->fn)(nlh);
          return MNL_CB_OK;
        },
        &ctx);
    if (r == MNL_CB_STOP) return absl::OkStatus();
    if (r < 0) {
      if (errno == ENOENT) return absl::NotFoundError("no such connection");
      return absl::InternalError(
          absl::StrCat("ctnetlink: ", std::strerror(errno)));
    }
  }
}

absl::Status NetlinkConntrackTable::Dump(
    const std::optional<schema::IpAddress>& address, Field field,
    const std::function<void(const TrackedConnection&)>& fn) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = Request(buf.data(), IPCTNL_MSG_CT_GET, NLM_F_DUMP,
                          address ? FamilyOf(*address) : AF_UNSPEC, seq_++);
  if (address) {
    const bool orig = field == Field::kOrigSource;
    PutCtSource(nlh, orig ? CTA_TUPLE_ORIG : CTA_TUPLE_REPLY, *address);
    nlattr* filter = mnl_attr_nest_start(nlh, CTA_FILTER);
    mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS, orig ? kFilterIpSource : 0);
    mnl_attr_put_u32(nlh, CTA_FILTER_REPLY_FLAGS, orig ? 0 : kFilterIpSource);
    mnl_attr_nest_end(nlh, filter);
  }
  return Exchange(buf.data(), [&](const nlmsghdr* msg) {
    const CtAttrs a = MessageAttrs(msg);
    TrackedConnection c;
    if (!ParseCtTuple(a.at[CTA_TUPLE_ORIG], c.orig) ||
        !ParseCtTuple(a.at[CTA_TUPLE_REPLY], c.reply)) {
      return;
    }
    c.id = AttrBe32(a.at[CTA_ID]);
    c.mark = AttrBe32(a.at[CTA_MARK]);
    const CtAttrs tcp =
        NestedAttrs(NestedAttrs(a.at[CTA_PROTOINFO]).at[CTA_PROTOINFO_TCP]);
    if (const nlattr* state = tcp.at[CTA_PROTOINFO_TCP_STATE]) {
      const uint8_t s = mnl_attr_get_u8(state);
      c.ended = s == TCP_CONNTRACK_TIME_WAIT || s == TCP_CONNTRACK_CLOSE;
    }
    fn(c);
  });
}

absl::Status NetlinkConntrackTable::ForEachOf(
    const std::set<schema::IpAddress>& addresses,
    const std::function<void(const TrackedConnection&)>& fn) {
  // The kernel's filter narrows the dumps; this check is what guarantees
  // the answer (this kernel's filter lets every IPv6 entry through), and
  // each connection is reported once though two dumps may hold it.
  std::set<std::pair<uint32_t, flowlog::FiveTuple>> seen;
  auto once = [&](const TrackedConnection& c) {
    if (!addresses.contains(c.orig.src) && !addresses.contains(c.reply.src)) {
      return;
    }
    if (seen.emplace(c.id, c.orig).second) fn(c);
  };
  if (addresses.empty()) return absl::OkStatus();
  if (addresses.size() > kFilteredAddresses) {
    return Dump(std::nullopt, Field::kOrigSource, once);
  }
  // As the client (original source), and as the server (the reply's
  // source: the original destination too unless NAT sent it elsewhere).
  for (const schema::IpAddress& address : addresses) {
    for (Field f : {Field::kOrigSource, Field::kReplySource}) {
      if (absl::Status st = Dump(address, f, once); !st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

absl::Status NetlinkConntrackTable::Remove(const TrackedConnection& c) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = Request(buf.data(), IPCTNL_MSG_CT_DELETE, NLM_F_ACK,
                          FamilyOf(c.orig.src), seq_++);
  PutCtTuple(nlh, CTA_TUPLE_ORIG, c.orig);
  if (c.id != 0) mnl_attr_put_u32(nlh, CTA_ID, htonl(c.id));
  return Exchange(buf.data(), [](const nlmsghdr*) {});
}

}  // namespace podwall::conntrack
