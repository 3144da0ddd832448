#include "enforcer/trace/trace_kernel.h"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "enforcer/nft/ruleset.h"

namespace podwall::trace {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<NetlinkTraceKernel>>
NetlinkTraceKernel::Create() {
  absl::StatusOr<std::unique_ptr<nft::NetlinkSocket>> s =
      nft::NetlinkSocket::Create();
  if (!s.ok()) return s.status();
  return std::unique_ptr<NetlinkTraceKernel>(
      new NetlinkTraceKernel(*std::move(s)));
}

absl::Status NetlinkTraceKernel::Listen() {
  if (events_) return absl::OkStatus();
  netlink::MnlSocket nl(
      mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!nl) return Errno("netlink socket for trace events");
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return Errno("bind the trace socket");
  }
  int group = NFNLGRP_NFTRACE;
  if (mnl_socket_setsockopt(nl.get(), NETLINK_ADD_MEMBERSHIP, &group,
                            sizeof(group)) < 0) {
    return Errno("join the nftables trace group");
  }
  const int rcvbuf = 4 << 20;
  (void)setsockopt(mnl_socket_get_fd(nl.get()), SOL_SOCKET, SO_RCVBUFFORCE,
                   &rcvbuf, sizeof(rcvbuf));
  events_ = std::move(nl);
  return absl::OkStatus();
}

void NetlinkTraceKernel::StopListening() { events_.reset(); }

int NetlinkTraceKernel::fd() const {
  return events_ ? mnl_socket_get_fd(events_.get()) : -1;
}

void NetlinkTraceKernel::ReadEvents(
    std::size_t max, const std::function<void(const TraceEvent&)>& each) {
  if (!events_) return;
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  std::size_t seen = 0;
  while (seen < max) {
    const ssize_t n =
        mnl_socket_recvfrom(events_.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == ENOBUFS || errno == ENOSPC) continue;  // Lost some.
      return;                                             // EAGAIN: drained.
    }
    int len = static_cast<int>(n);
    for (const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
         mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
      if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
          NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE) {
        continue;
      }
      absl::StatusOr<TraceEvent> e = ParseTraceMessage(nlh);
      if (!e.ok()) continue;
      each(*e);
      ++seen;
    }
  }
}

absl::Status NetlinkTraceKernel::Arm(const TraceTarget& target) {
  auto commit = [&](const TraceTarget& t) {
    nft::NetlinkBatch batch(socket_->NextSeq());
    batch.Begin();
    EncodeArm(t, batch);
    batch.End();
    return socket_->Commit(batch);
  };
  absl::Status st = commit(target);
  if (!st.ok() && !target.source_devices.empty()) {
    // No netdev table (no anti-spoofing guard yet, or it failed): trace
    // from prerouting on.
    TraceTarget inet_only = target;
    inet_only.source_devices.clear();
    st = commit(inet_only);
  }
  if (!st.ok()) {
    return absl::Status(st.code(),
                        absl::StrCat("arm the trace: ", st.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> NetlinkTraceKernel::HasTraceChain(uint16_t family) {
  bool found = false;
  absl::Status st = socket_->Dump(
      NFT_MSG_GETCHAIN, family,
      [&](nlmsghdr* nlh) {
        netlink::NftChain c(nftnl_chain_alloc());
        nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, nft::kTableName);
        nftnl_chain_nlmsg_build_payload(nlh, c.get());
      },
      [&](const nlmsghdr* nlh) {
        netlink::NftChain c(nftnl_chain_alloc());
        if (nftnl_chain_nlmsg_parse(nlh, c.get()) == 0 &&
            std::strcmp(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE),
                        nft::kTableName) == 0 &&
            std::strcmp(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME),
                        kTraceChain) == 0) {
          found = true;
        }
      });
  if (absl::IsNotFound(st)) return false;
  if (!st.ok()) return st;
  return found;
}

absl::Status NetlinkTraceKernel::Disarm() {
  for (uint16_t family : {NFPROTO_NETDEV, NFPROTO_INET}) {
    absl::StatusOr<bool> has = HasTraceChain(family);
    if (!has.ok()) return has.status();
    if (!*has) continue;
    nft::NetlinkBatch batch(socket_->NextSeq());
    batch.Begin();
    EncodeDisarm(family, batch);
    batch.End();
    if (absl::Status st = socket_->Commit(batch); !st.ok()) {
      return absl::Status(st.code(),
                          absl::StrCat("disarm the trace: ", st.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint64_t>> NetlinkTraceKernel::RuleHandles(
    uint16_t family, const std::string& chain) {
  std::vector<uint64_t> handles;
  absl::Status st = socket_->Dump(
      NFT_MSG_GETRULE, family,
      [&](nlmsghdr* nlh) {
        netlink::NftRule r(nftnl_rule_alloc());
        nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, nft::kTableName);
        nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
        nftnl_rule_nlmsg_build_payload(nlh, r.get());
      },
      [&](const nlmsghdr* nlh) {
        netlink::NftRule r(nftnl_rule_alloc());
        if (nftnl_rule_nlmsg_parse(nlh, r.get()) == 0 &&
            chain == nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN)) {
          handles.push_back(nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE));
        }
      });
  if (!st.ok()) return st;
  return handles;
}

}  // namespace podwall::trace
