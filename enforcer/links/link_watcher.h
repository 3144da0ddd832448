#ifndef PODWALL_ENFORCER_LINKS_LINK_WATCHER_H_
#define PODWALL_ENFORCER_LINKS_LINK_WATCHER_H_

// Follows interface add/remove events in the caller's network namespace
// (libnl cache manager on rtnetlink), so the daemon can re-discover pod
// veths and re-sync anti-spoofing guards as pods come and go. The sync loop
// polls fd() and calls ProcessEvents() when it is readable. Not
// thread-safe; callbacks run inside ProcessEvents().

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "enforcer/netlink/handles.h"

struct nl_object;

namespace podwall::links {

enum class LinkEvent { kAdded, kRemoved, kChanged };

class LinkWatcher {
 public:
  using Callback =
      std::function<void(LinkEvent, const std::string& name, int ifindex)>;

  // Starts listening; links that exist already are not reported.
  static absl::StatusOr<std::unique_ptr<LinkWatcher>> Create(Callback cb);
  ~LinkWatcher();

  LinkWatcher(const LinkWatcher&) = delete;
  LinkWatcher& operator=(const LinkWatcher&) = delete;

  // Readable when events are pending.
  int fd() const;
  // Handles every pending event without blocking.
  absl::Status ProcessEvents();

 private:
  explicit LinkWatcher(Callback cb) : callback_(std::move(cb)) {}
  static void OnChange(::nl_cache*, ::nl_object* obj, int action, void* data);

  Callback callback_;
  // The manager owns its caches and its own socket; `sock_` is ours. The
  // manager goes first (members are destroyed in reverse order).
  netlink::NlSocket sock_;
  netlink::NlCacheManager mngr_;
};

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_LINK_WATCHER_H_
