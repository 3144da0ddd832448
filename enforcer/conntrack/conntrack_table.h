#ifndef PODWALL_ENFORCER_CONNTRACK_CONNTRACK_TABLE_H_
#define PODWALL_ENFORCER_CONNTRACK_CONNTRACK_TABLE_H_

// The kernel's connection tracking table, as established-connection checks
// need it: the connections one address takes part in, and removing one
// (its next packet is then tracked afresh, as new, and judged by the
// policy chains again). The seam has a fake (fake_conntrack_table.h) for
// the logic above it; NetlinkConntrackTable talks ctnetlink.

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enforcer/flowlog/flow_event.h"
#include "enforcer/netlink/handles.h"
#include "policy-schema/ip_prefix.h"

namespace podwall::conntrack {

struct TrackedConnection {
  flowlog::FiveTuple orig;   // As the client sent it.
  flowlog::FiveTuple reply;  // As the server answers (NAT undone).
  uint32_t id = 0;           // The kernel's, to remove exactly this entry.
  uint32_t mark = 0;
  // TCP in TIME_WAIT or CLOSE: the connection is over (a new SYN on the
  // same ports starts a new entry, which policy judges).
  bool ended = false;

  bool operator==(const TrackedConnection&) const = default;
};

class ConntrackTable {
 public:
  virtual ~ConntrackTable() = default;
  // Calls `fn` once for each tracked connection one of `addresses` takes
  // part in: as the client (the original source) or as the server (the
  // reply's source, which is the original destination unless a NAT sent
  // the connection elsewhere: a Service's real endpoint).
  virtual absl::Status ForEachOf(
      const std::set<schema::IpAddress>& addresses,
      const std::function<void(const TrackedConnection&)>& fn) = 0;
  // Removes the entry; NotFound when it is gone already.
  virtual absl::Status Remove(const TrackedConnection& connection) = 0;
};

// ctnetlink in the calling thread's network namespace. A few addresses are
// looked up with two dumps each that the kernel filters by address
// (CTA_FILTER, Linux 5.8+): only their connections cross to user space.
// Every dump walks the kernel's whole table, which all namespaces share
// (about 0.2 us per entry), so beyond kFilteredAddresses one unfiltered
// dump of this namespace's connections is cheaper.
class NetlinkConntrackTable : public ConntrackTable {
 public:
  static absl::StatusOr<std::unique_ptr<NetlinkConntrackTable>> Create();

  static constexpr std::size_t kFilteredAddresses = 4;

  absl::Status ForEachOf(
      const std::set<schema::IpAddress>& addresses,
      const std::function<void(const TrackedConnection&)>& fn) override;
  absl::Status Remove(const TrackedConnection& connection) override;

 private:
  NetlinkConntrackTable() = default;
  // One dump: of every connection (no `address`), or of those with
  // `address` as the source of the original tuple or of the reply tuple.
  enum class Field { kOrigSource, kReplySource };
  absl::Status Dump(const std::optional<schema::IpAddress>& address,
                    Field field,
                    const std::function<void(const TrackedConnection&)>& fn);
  // Sends the request in `buf` and reads replies up to its end, handing
  // each data message to `fn`.
  absl::Status Exchange(char* buf,
                        const std::function<void(const nlmsghdr*)>& fn);

  netlink::MnlSocket nl_;
  uint32_t portid_ = 0;
  uint32_t seq_ = 1;
};

}  // namespace podwall::conntrack

#endif  // PODWALL_ENFORCER_CONNTRACK_CONNTRACK_TABLE_H_
