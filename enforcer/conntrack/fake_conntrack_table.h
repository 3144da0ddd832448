#ifndef PODWALL_ENFORCER_CONNTRACK_FAKE_CONNTRACK_TABLE_H_
#define PODWALL_ENFORCER_CONNTRACK_FAKE_CONNTRACK_TABLE_H_

// An in-memory ConntrackTable for unit tests: connections added by hand,
// looked up by any end as the kernel's would be, and how many lookups were
// asked (work must follow what changed, not the table).

#include <vector>

#include "enforcer/conntrack/conntrack_table.h"

namespace podwall::conntrack {

class FakeConntrackTable : public ConntrackTable {
 public:
  void Add(TrackedConnection c) { connections_.push_back(std::move(c)); }
  const std::vector<TrackedConnection>& connections() const {
    return connections_;
  }
  int lookups() const { return lookups_; }

  absl::Status ForEachOf(
      const std::set<schema::IpAddress>& addresses,
      const std::function<void(const TrackedConnection&)>& fn) override {
    ++lookups_;
    const std::vector<TrackedConnection> now = connections_;
    for (const TrackedConnection& c : now) {
      if (addresses.contains(c.orig.src) || addresses.contains(c.reply.src)) {
        fn(c);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Remove(const TrackedConnection& c) override {
    for (auto it = connections_.begin(); it != connections_.end(); ++it) {
      if (*it == c) {
        connections_.erase(it);
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError("no such connection");
  }

 private:
  std::vector<TrackedConnection> connections_;
  int lookups_ = 0;
};

}  // namespace podwall::conntrack

#endif  // PODWALL_ENFORCER_CONNTRACK_FAKE_CONNTRACK_TABLE_H_
