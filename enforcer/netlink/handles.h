#ifndef PODWALL_ENFORCER_NETLINK_HANDLES_H_
#define PODWALL_ENFORCER_NETLINK_HANDLES_H_

// Owning pointers for the C handles podwall takes from libnftnl, libmnl and
// libnl: each handle lives in one of these from the call that returns it,
// so every early return frees it. Used by enforcer/nft (batches, read-back),
// enforcer/links (rtnetlink) and enforcer/flowlog (NFLOG, conntrack).

#include <memory>
#include <utility>

// The libraries' types are opaque: declared here, so that including this
// header pulls in none of their headers (whose kernel and libc headers
// must otherwise be included in a careful order).
struct nftnl_table;
struct nftnl_chain;
struct nftnl_set;
struct nftnl_rule;
struct nftnl_expr;
struct nftnl_expr_iter;
struct nftnl_udata_buf;
struct mnl_socket;
struct nl_sock;
struct nl_cache;
struct nl_cache_mngr;
struct rtnl_link;

namespace podwall::netlink {

// One deleter per C type, picked by overload (handles.cc).
struct Free {
  void operator()(nftnl_table* p) const;
  void operator()(nftnl_chain* p) const;
  void operator()(nftnl_set* p) const;
  void operator()(nftnl_rule* p) const;
  void operator()(nftnl_expr* p) const;
  void operator()(nftnl_expr_iter* p) const;
  void operator()(nftnl_udata_buf* p) const;
  void operator()(mnl_socket* p) const;
  void operator()(nl_sock* p) const;
  void operator()(nl_cache* p) const;
  void operator()(nl_cache_mngr* p) const;
  void operator()(rtnl_link* p) const;
};

template <typename T>
using Handle = std::unique_ptr<T, Free>;

using NftTable = Handle<nftnl_table>;
using NftChain = Handle<nftnl_chain>;
using NftSet = Handle<nftnl_set>;
using NftRule = Handle<nftnl_rule>;
using NftExpr = Handle<nftnl_expr>;
using NftExprIter = Handle<nftnl_expr_iter>;
using NftUdata = Handle<nftnl_udata_buf>;
using MnlSocket = Handle<mnl_socket>;
using NlSocket = Handle<nl_sock>;
using NlCache = Handle<nl_cache>;
using NlCacheManager = Handle<nl_cache_mngr>;
using RtnlLink = Handle<rtnl_link>;

// A file descriptor that is closed with its owner.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

}  // namespace podwall::netlink

#endif  // PODWALL_ENFORCER_NETLINK_HANDLES_H_
