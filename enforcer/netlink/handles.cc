#include "enforcer/netlink/handles.h"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <unistd.h>

namespace podwall::netlink {

void Free::operator()(nftnl_table* p) const { nftnl_table_free(p); }
void Free::operator()(nftnl_chain* p) const { nftnl_chain_free(p); }
void Free::operator()(nftnl_set* p) const { nftnl_set_free(p); }
void Free::operator()(nftnl_rule* p) const { nftnl_rule_free(p); }
void Free::operator()(nftnl_expr* p) const { nftnl_expr_free(p); }
void Free::operator()(nftnl_expr_iter* p) const { nftnl_expr_iter_destroy(p); }
void Free::operator()(nftnl_udata_buf* p) const { nftnl_udata_buf_free(p); }
void Free::operator()(mnl_socket* p) const { mnl_socket_close(p); }
void Free::operator()(nl_sock* p) const { nl_socket_free(p); }
void Free::operator()(nl_cache* p) const { nl_cache_free(p); }
void Free::operator()(nl_cache_mngr* p) const { nl_cache_mngr_free(p); }
void Free::operator()(rtnl_link* p) const { rtnl_link_put(p); }

void UniqueFd::reset() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

}  // namespace podwall::netlink
