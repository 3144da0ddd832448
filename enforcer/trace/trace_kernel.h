#ifndef PODWALL_ENFORCER_TRACE_TRACE_KERNEL_H_
#define PODWALL_ENFORCER_TRACE_TRACE_KERNEL_H_

// TraceKernel: what `podwall trace` needs from the kernel, as a seam: arm
// and disarm the trace chains (trace_arm.h), receive the trace events, and
// find where a rule the events name sits in its chain. NetlinkTraceKernel
// is the real one; tests of the logic above use a fake.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enforcer/netlink/handles.h"
#include "enforcer/nft/netlink_socket.h"
#include "enforcer/trace/trace_arm.h"
#include "enforcer/trace/trace_event.h"

namespace podwall::trace {

class TraceKernel {
 public:
  virtual ~TraceKernel() = default;
  // Subscribes to trace events (before arming, so none is missed); fd() is
  // then readable when events wait.
  virtual absl::Status Listen() = 0;
  virtual void StopListening() = 0;
  virtual int fd() const = 0;  // -1 when not listening.
  // Reads what is pending, at most `max` events.
  virtual void ReadEvents(
      std::size_t max, const std::function<void(const TraceEvent&)>& each) = 0;
  virtual absl::Status Arm(const TraceTarget& target) = 0;
  // Removes the trace chains, whichever exist (none: nothing to do).
  virtual absl::Status Disarm() = 0;
  // Handles of the rules of chain `chain` in podwall's table of `family`,
  // in order; NotFound when there is no such chain.
  virtual absl::StatusOr<std::vector<uint64_t>> RuleHandles(
      uint16_t family, const std::string& chain) = 0;
};

class NetlinkTraceKernel : public TraceKernel {
 public:
  // Opens the socket that arms and dumps (events get their own on Listen).
  static absl::StatusOr<std::unique_ptr<NetlinkTraceKernel>> Create();

  absl::Status Listen() override;
  void StopListening() override;
  int fd() const override;
  void ReadEvents(std::size_t max,
                  const std::function<void(const TraceEvent&)>& each) override;
  absl::Status Arm(const TraceTarget& target) override;
  absl::Status Disarm() override;
  absl::StatusOr<std::vector<uint64_t>> RuleHandles(
      uint16_t family, const std::string& chain) override;

 private:
  explicit NetlinkTraceKernel(std::unique_ptr<nft::NetlinkSocket> socket)
      : socket_(std::move(socket)) {}
  // Whether podwall's table of `family` has the trace chain.
  absl::StatusOr<bool> HasTraceChain(uint16_t family);

  std::unique_ptr<nft::NetlinkSocket> socket_;
  netlink::MnlSocket events_;
};

}  // namespace podwall::trace

#endif  // PODWALL_ENFORCER_TRACE_TRACE_KERNEL_H_
