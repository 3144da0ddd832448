#include "enforcer/links/link_watcher.h"

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "absl/strings/str_cat.h"

namespace podwall::links {

absl::StatusOr<std::unique_ptr<LinkWatcher>> LinkWatcher::Create(Callback cb) {
  std::unique_ptr<LinkWatcher> w(new LinkWatcher(std::move(cb)));
  w->sock_.reset(nl_socket_alloc());
  if (!w->sock_) return absl::InternalError("libnl: cannot allocate a socket");
  nl_cache_mngr* mngr = nullptr;
  if (int err = nl_cache_mngr_alloc(w->sock_.get(), NETLINK_ROUTE,
                                    NL_AUTO_PROVIDE, &mngr);
      err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: cache manager: ", nl_geterror(err)));
  }
  w->mngr_.reset(mngr);
  nl_cache* cache = nullptr;
  if (int err = nl_cache_mngr_add(w->mngr_.get(), "route/link",
                                  &LinkWatcher::OnChange, w.get(), &cache);
      err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: watch links: ", nl_geterror(err)));
  }
  return w;
}

LinkWatcher::~LinkWatcher() = default;

int LinkWatcher::fd() const { return nl_cache_mngr_get_fd(mngr_.get()); }

absl::Status LinkWatcher::ProcessEvents() {
  const int err = nl_cache_mngr_data_ready(mngr_.get());
  if (err < 0) {
    return absl::InternalError(
        absl::StrCat("libnl: link events: ", nl_geterror(err)));
  }
  return absl::OkStatus();
}

void LinkWatcher::OnChange(nl_cache*, nl_object* obj, int action, void* data) {
  auto* self = static_cast<LinkWatcher*>(data);
  auto* link = reinterpret_cast<rtnl_link*>(obj);
  const char* name = rtnl_link_get_name(link);
  const LinkEvent event = action == NL_ACT_NEW   ? LinkEvent::kAdded
                          : action == NL_ACT_DEL ? LinkEvent::kRemoved
                                                 : LinkEvent::kChanged;
  self->callback_(event, name ? name : "", rtnl_link_get_ifindex(link));
}

}  // namespace podwall::links
