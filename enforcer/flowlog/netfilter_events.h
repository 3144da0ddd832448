#ifndef PODWALL_ENFORCER_FLOWLOG_NETFILTER_EVENTS_H_
#define PODWALL_ENFORCER_FLOWLOG_NETFILTER_EVENTS_H_

// The kernel side of flow logs, over netfilter netlink (libmnl):
//   NflogSocket        packets the log statements send to NFLOG groups;
//   ConntrackEvents    conntrack entries that began (ctnetlink NEW, once
//                      confirmed, with the mark the allow rules set) or
//                      ended (DESTROY, with packet and byte counts); only
//                      entries with a non-zero mark are delivered.
// (Allowed connections come from conntrack rather than NFLOG because this
// kernel does not attach conntrack data to NFLOG packets: no
// CONFIG_NETFILTER_NETLINK_GLUE_CT.)
// Both are non-blocking and drained by the daemon's loop. A receive
// buffer overrun (ENOBUFS: the kernel dropped messages) is counted and the
// socket keeps working.

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "enforcer/flowlog/flow_event.h"
#include "enforcer/netlink/handles.h"

namespace podwall::flowlog {

// Datagrams one Drain() reads at most: 64 NFLOG batches of up to 64 KiB,
// a few milliseconds of work.
inline constexpr std::size_t kDatagramsPerDrain = 64;

class NflogSocket {
 public:
  // Binds `groups` (they must not be bound by another process).
  static absl::StatusOr<std::unique_ptr<NflogSocket>> Create(
      const std::vector<uint16_t>& groups);
  ~NflogSocket();
  NflogSocket(const NflogSocket&) = delete;
  NflogSocket& operator=(const NflogSocket&) = delete;

  int fd() const;
  // Handles pending messages, at most `max_datagrams` of them (a storm of
  // events then leaves the event loop its other work between calls; the
  // socket stays readable); returns how many events were delivered.
  std::size_t Drain(const std::function<void(const PacketEvent&)>& on_event,
                    std::size_t max_datagrams = kDatagramsPerDrain);
  uint64_t overruns() const { return overruns_; }

 private:
  NflogSocket() = default;
  absl::Status Configure(uint16_t group);

  netlink::MnlSocket nl_;
  uint32_t seq_ = 1;
  uint64_t overruns_ = 0;
  std::vector<uint16_t> groups_;
};

class ConntrackEvents {
 public:
  // Subscribes to conntrack NEW and DESTROY events in this network
  // namespace.
  static absl::StatusOr<std::unique_ptr<ConntrackEvents>> Create();
  ~ConntrackEvents();
  ConntrackEvents(const ConntrackEvents&) = delete;
  ConntrackEvents& operator=(const ConntrackEvents&) = delete;

  int fd() const;
  // As NflogSocket::Drain.
  std::size_t Drain(const std::function<void(const ConntrackEvent&)>& on_event,
                    std::size_t max_datagrams = kDatagramsPerDrain);
  uint64_t overruns() const { return overruns_; }

 private:
  ConntrackEvents() = default;
  netlink::MnlSocket nl_;
  uint64_t overruns_ = 0;
};

// Turns on conntrack accounting and timestamps in this network namespace
// (per-namespace sysctls), so that ended connections carry counts and
// durations.
absl::Status EnableConntrackAccounting();

}  // namespace podwall::flowlog

#endif  // PODWALL_ENFORCER_FLOWLOG_NETFILTER_EVENTS_H_
