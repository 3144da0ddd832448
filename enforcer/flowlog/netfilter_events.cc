#include "enforcer/flowlog/netfilter_events.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "enforcer/conntrack/ctnetlink.h"

namespace podwall::flowlog {
namespace {

using conntrack::AttrBe32;
using conntrack::AttrBe64;
using conntrack::CtAttrs;
using conntrack::NestedAttrs;
using conntrack::ParseCtTuple;

constexpr int kRcvBuf = 16 << 20;  // Room for bursts between loop turns.
// The largest datagram read: NFLOG's 64 KiB batches, with room to spare.
constexpr std::size_t kDatagramMax = 96 << 10;

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
}

absl::StatusOr<netlink::MnlSocket> OpenSocket(unsigned groups) {
  netlink::MnlSocket nl(
      mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!nl) return Errno("netlink socket");
  if (mnl_socket_bind(nl.get(), groups, MNL_SOCKET_AUTOPID) < 0) {
    return Errno("netlink bind");
  }
  const int fd = mnl_socket_get_fd(nl.get());
  // FORCE needs CAP_NET_ADMIN, which the daemon has; fall back otherwise.
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kRcvBuf, sizeof(kRcvBuf)) !=
      0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kRcvBuf, sizeof(kRcvBuf));
  }
  // Overruns are reported (recv fails with ENOBUFS) and counted: that is
  // netlink's default, which NETLINK_NO_ENOBUFS would turn off.
  return nl;
}

// Reads pending datagrams, at most `max`, and hands each message to `cb`;
// ENOBUFS is counted. Returns when the socket would block or `max` were
// read.
template <typename Fn>
void DrainSocket(mnl_socket* nl, uint64_t& overruns, std::size_t max, Fn&& cb) {
  // One datagram whole: NFLOG batches up to NFULA_CFG_NLBUFSIZ (64 KiB)
  // into one. (Under glibc's mmap threshold, so cheap to allocate.)
  std::vector<char> storage(kDatagramMax);
  char* buf = storage.data();
  for (std::size_t read = 0; read < max; ++read) {
    const ssize_t n = mnl_socket_recvfrom(nl, buf, storage.size());
    if (n < 0) {
      // ENOBUFS: the kernel dropped messages; ENOSPC: libmnl's word for a
      // datagram cut short (MSG_TRUNC). Both lose events: count them.
      if (errno == ENOBUFS || errno == ENOSPC) {
        ++overruns;
        continue;
      }
      return;  // EAGAIN (drained) or an error the next turn sees again.
    }
    int len = static_cast<int>(n);
    for (const nlmsghdr* nlh = reinterpret_cast<const nlmsghdr*>(buf);
         mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
      cb(nlh);
    }
  }
}

}  // namespace

// --- NFLOG
// --------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<NflogSocket>> NflogSocket::Create(
    const std::vector<uint16_t>& groups) {
  auto s = std::unique_ptr<NflogSocket>(new NflogSocket());
  absl::StatusOr<netlink::MnlSocket> nl = OpenSocket(0);
  if (!nl.ok()) return nl.status();
  s->nl_ = *std::move(nl);
  for (uint16_t g : groups) {
    if (absl::Status st = s->Configure(g); !st.ok()) return st;
    s->groups_.push_back(g);
  }
  return s;
}

NflogSocket::~NflogSocket() = default;

int NflogSocket::fd() const { return mnl_socket_get_fd(nl_.get()); }

absl::Status NflogSocket::Configure(uint16_t group) {
  // Each step is a config message to the group's instance, acked.
  auto send = [&](auto&& add_attrs, const char* what) -> absl::Status {
    alignas(nlmsghdr) char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq_++;
    auto* nfg = static_cast<nfgenmsg*>(
        mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = AF_UNSPEC;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = htons(group);
    add_attrs(nlh);
    if (mnl_socket_sendto(nl_.get(), nlh, nlh->nlmsg_len) < 0) {
      return Errno(absl::StrCat("NFLOG group ", group, ": ", what));
    }
    // Wait for the ack (the socket is non-blocking: poll briefly).
    for (int i = 0; i < 1000; ++i) {
      const ssize_t n = mnl_socket_recvfrom(nl_.get(), buf, sizeof(buf));
      if (n < 0 && errno == EAGAIN) {
        usleep(1000);
        continue;
      }
      if (n < 0) return Errno(absl::StrCat("NFLOG group ", group, ": ", what));
      if (mnl_cb_run(buf, n, nlh->nlmsg_seq, mnl_socket_get_portid(nl_.get()),
                     nullptr, nullptr) < 0) {
        return absl::Status(
            errno == EBUSY ? absl::StatusCode::kAlreadyExists
                           : absl::StatusCode::kInternal,
            absl::StrCat("NFLOG group ", group, ": ", what, ": ",
                         strerror(errno),
                         errno == EBUSY ? " (another process listens on "
                                          "this group)"
                                        : ""));
      }
      return absl::OkStatus();
    }
    return absl::DeadlineExceededError(
        absl::StrCat("NFLOG group ", group, ": no ack for ", what));
  };
  if (auto st = send(
          [](nlmsghdr* nlh) {
            nfulnl_msg_config_cmd cmd{NFULNL_CFG_CMD_BIND};
            mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
          },
          "bind");
      !st.ok()) {
    return st;
  }
  return send(
      [](nlmsghdr* nlh) {
        // Headers are enough: addresses and ports.
        nfulnl_msg_config_mode mode{};
        mode.copy_range = htonl(128);
        mode.copy_mode = NFULNL_COPY_PACKET;
        mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
        // Batch up to 64 packets or 10 ms per netlink message.
        mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(64));
        mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(1));
        mnl_attr_put_u32(nlh, NFULA_CFG_NLBUFSIZ, htonl(64 * 1024));
      },
      "configure");
}

std::size_t NflogSocket::Drain(
    const std::function<void(const PacketEvent&)>& on_event,
    std::size_t max_datagrams) {
  std::size_t delivered = 0;
  DrainSocket(nl_.get(), overruns_, max_datagrams, [&](const nlmsghdr* nlh) {
    if (nlh->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)) {
      return;
    }
    const CtAttrs a = conntrack::MessageAttrs(nlh);
    if (!a.at[NFULA_PAYLOAD]) return;
    PacketEvent ev;
    ev.time = std::chrono::system_clock::now();
    if (a.at[NFULA_PREFIX]) ev.prefix = mnl_attr_get_str(a.at[NFULA_PREFIX]);
    const auto* payload =
        static_cast<const uint8_t*>(mnl_attr_get_payload(a.at[NFULA_PAYLOAD]));
    if (!ParsePacketTuple(
            payload, mnl_attr_get_payload_len(a.at[NFULA_PAYLOAD]), ev.tuple)) {
      return;
    }
    on_event(ev);
    ++delivered;
  });
  return delivered;
}

// --- conntrack
// ----------------------------------------------------------------

absl::StatusOr<std::unique_ptr<ConntrackEvents>> ConntrackEvents::Create() {
  auto s = std::unique_ptr<ConntrackEvents>(new ConntrackEvents());
  absl::StatusOr<netlink::MnlSocket> nl =
      OpenSocket((1u << (NFNLGRP_CONNTRACK_NEW - 1)) |
                 (1u << (NFNLGRP_CONNTRACK_DESTROY - 1)));
  if (!nl.ok()) return nl.status();
  s->nl_ = *std::move(nl);
  return s;
}

ConntrackEvents::~ConntrackEvents() = default;

int ConntrackEvents::fd() const { return mnl_socket_get_fd(nl_.get()); }

std::size_t ConntrackEvents::Drain(
    const std::function<void(const ConntrackEvent&)>& on_event,
    std::size_t max_datagrams) {
  std::size_t delivered = 0;
  DrainSocket(nl_.get(), overruns_, max_datagrams, [&](const nlmsghdr* nlh) {
    const bool ended = nlh->nlmsg_type ==
                       ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE);
    // A new entry comes with NLM_F_CREATE; later updates without it.
    const bool created =
        nlh->nlmsg_type == ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW) &&
        (nlh->nlmsg_flags & NLM_F_CREATE);
    if (!ended && !created) return;
    const CtAttrs a = conntrack::MessageAttrs(nlh);
    ConntrackEvent end;
    end.ended = ended;
    end.time = std::chrono::system_clock::now();
    end.ct_mark = AttrBe32(a.at[CTA_MARK]);
    if (end.ct_mark == 0) return;  // Not a connection podwall decided.
    if (!ParseCtTuple(a.at[CTA_TUPLE_ORIG], end.tuple)) return;
    end.ct_id = AttrBe32(a.at[CTA_ID]);
    for (int dir : {CTA_COUNTERS_ORIG, CTA_COUNTERS_REPLY}) {
      const CtAttrs c = NestedAttrs(a.at[dir]);
      end.packets += AttrBe64(c.at[CTA_COUNTERS_PACKETS]);
      end.bytes += AttrBe64(c.at[CTA_COUNTERS_BYTES]);
    }
    const CtAttrs ts = NestedAttrs(a.at[CTA_TIMESTAMP]);
    end.start_ns = AttrBe64(ts.at[CTA_TIMESTAMP_START]);
    end.stop_ns = AttrBe64(ts.at[CTA_TIMESTAMP_STOP]);
    on_event(end);
    ++delivered;
  });
  return delivered;
}

absl::Status EnableConntrackAccounting() {
  for (const char* knob : {"/proc/sys/net/netfilter/nf_conntrack_acct",
                           "/proc/sys/net/netfilter/nf_conntrack_timestamp"}) {
    std::ofstream f(knob);
    f << "1\n";
    f.flush();
    if (!f) return absl::InternalError(absl::StrCat("cannot write ", knob));
  }
  return absl::OkStatus();
}

}  // namespace podwall::flowlog
