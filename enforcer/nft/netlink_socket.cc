#include "enforcer/nft/netlink_socket.h"

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "absl/strings/str_cat.h"

namespace podwall::nft {
namespace {

absl::Status Errno(std::string_view what, int err) {
  return absl::InternalError(absl::StrCat(
      absl::string_view(what.data(), what.size()), ": ", std::strerror(err)));
}

// The extended-ack message text, when the kernel attached one.
std::string ExtAckMessage(const nlmsghdr* nlh) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return "";
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  std::size_t offset = sizeof(nlmsgerr);
  // Without NLM_F_CAPPED the original message follows the error header.
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
    offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  }
  const char* p = static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) + offset;
  const char* end = static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) +
                    mnl_nlmsg_get_payload_len(nlh);
  std::string text;
  while (p + sizeof(nlattr) <= end) {
    const auto* attr = reinterpret_cast<const nlattr*>(p);
    if (attr->nla_len < sizeof(nlattr) || p + attr->nla_len > end) break;
    if ((attr->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
      text.assign(p + NLA_HDRLEN,
                  strnlen(p + NLA_HDRLEN, attr->nla_len - NLA_HDRLEN));
    }
    p += NLA_ALIGN(attr->nla_len);
  }
  return text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NetlinkSocket>> NetlinkSocket::Create() {
  netlink::MnlSocket s(mnl_socket_open(NETLINK_NETFILTER));
  if (!s) return Errno("open netfilter netlink socket", errno);
  if (mnl_socket_bind(s.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return Errno("bind netfilter netlink socket", errno);
  }
  int on = 1;
  // Best effort: older kernels without extended acks still work.
  (void)mnl_socket_setsockopt(s.get(), NETLINK_EXT_ACK, &on, sizeof(on));
  // Error acks without the failed message echoed back: small, so that the
  // receive buffer below holds each whole.
  (void)mnl_socket_setsockopt(s.get(), NETLINK_CAP_ACK, &on, sizeof(on));
  return std::unique_ptr<NetlinkSocket>(new NetlinkSocket(std::move(s)));
}

NetlinkSocket::NetlinkSocket(netlink::MnlSocket socket)
    : socket_(std::move(socket)),
      seq_(static_cast<uint32_t>(std::time(nullptr))) {}

uint32_t NetlinkSocket::NextSeq() { return seq_; }

namespace {

struct DumpContext {
  const std::function<void(const nlmsghdr*)>* each;
};

int DumpCallback(const nlmsghdr* nlh, void* data) {
  (*static_cast<DumpContext*>(data)->each)(nlh);
  return MNL_CB_OK;
}

}  // namespace

absl::Status NetlinkSocket::Dump(
    uint16_t type, uint16_t family, const std::function<void(nlmsghdr*)>& build,
    const std::function<void(const nlmsghdr*)>& each) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 8);
  const uint32_t seq = seq_++;
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), type, family,
                                        NLM_F_DUMP | NLM_F_ACK, seq);
  build(nlh);
  if (mnl_socket_sendto(socket_.get(), nlh, nlh->nlmsg_len) < 0) {
    return Errno("send nftables dump request", errno);
  }
  const unsigned portid = mnl_socket_get_portid(socket_.get());
  DumpContext ctx{&each};
  while (true) {
    const ssize_t n =
        mnl_socket_recvfrom(socket_.get(), buf.data(), buf.size());
    if (n < 0) return Errno("receive nftables dump", errno);
    const int ret = mnl_cb_run(buf.data(), n, seq, portid, DumpCallback, &ctx);
    if (ret == MNL_CB_STOP) return absl::OkStatus();
    if (ret < 0) {
      if (errno == ENOENT) return absl::NotFoundError("no such object");
      return Errno("nftables dump", errno);
    }
  }
}

absl::Status NetlinkSocket::SendWithoutAcks(const NetlinkBatch& batch) {
  seq_ += static_cast<uint32_t>(batch.messages());
  if (mnl_socket_sendto(socket_.get(), batch.data(), batch.size()) < 0) {
    return Errno("send nftables batch", errno);
  }
  return absl::OkStatus();
}

absl::Status NetlinkSocket::Commit(const NetlinkBatch& batch) {
  const int fd = mnl_socket_get_fd(socket_.get());
  // A batch is one datagram: the send buffer must hold it whole, and the
  // receive buffer every ack.
  const int sndbuf = static_cast<int>(batch.size() + 65536);
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
  const int rcvbuf = static_cast<int>(
      std::max<std::size_t>(1 << 20, batch.acked_messages() * 1024));
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
  // The batch's messages carry the sequence numbers [first, end): only
  // their acks count. Acks an earlier commit left behind (it returned
  // early) are read and dropped first, and ignored if they come later.
  const uint32_t first = batch.first_seq();
  const uint32_t end = batch.NextSeq();
  seq_ += static_cast<uint32_t>(batch.messages());
  auto ours = [&](uint32_t seq) { return seq - first < end - first; };
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  while (recv(fd, buf.data(), buf.size(), MSG_DONTWAIT) >= 0 ||
         errno == ENOBUFS) {
  }

  if (mnl_socket_sendto(socket_.get(), batch.data(), batch.size()) < 0) {
    return Errno("send nftables batch", errno);
  }
  const unsigned portid = mnl_socket_get_portid(socket_.get());
  std::size_t acks = 0;
  absl::Status first_error;
  while (acks < batch.acked_messages()) {
    pollfd pfd{fd, POLLIN, 0};
    // The kernel answers a committed batch at once; a long silence means
    // it never will (e.g. a malformed batch it dropped).
    const int ready = poll(&pfd, 1, first_error.ok() ? 30000 : 100);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      if (!first_error.ok()) break;  // Errors were reported; done.
      return absl::DeadlineExceededError(
          absl::StrCat("nftables batch: no answer after ", acks, " of ",
                       batch.acked_messages(), " acks"));
    }
    const ssize_t n =
        mnl_socket_recvfrom(socket_.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == ENOBUFS) {
        return absl::InternalError(
            "nftables batch: acks lost (receive buffer overrun); the batch "
            "outcome is unknown, resync required");
      }
      return Errno("receive nftables acks", errno);
    }
    int len = static_cast<int>(n);
    for (const nlmsghdr* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
         mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
      if (nlh->nlmsg_pid != portid) continue;
      if (nlh->nlmsg_type != NLMSG_ERROR || !ours(nlh->nlmsg_seq)) continue;
      ++acks;
      const auto* err =
          static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      if (err->error == 0 || !first_error.ok()) continue;
      std::string what = batch.Describe(err->msg.nlmsg_seq);
      if (what.empty()) what = absl::StrCat("message seq ", err->msg.nlmsg_seq);
      std::string detail = ExtAckMessage(nlh);
      first_error = absl::InternalError(
          absl::StrCat(what, ": ", std::strerror(-err->error),
                       detail.empty() ? "" : " (" + detail + ")"));
    }
  }
  return first_error;
}

}  // namespace podwall::nft
