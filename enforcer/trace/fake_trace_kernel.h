#ifndef PODWALL_ENFORCER_TRACE_FAKE_TRACE_KERNEL_H_
#define PODWALL_ENFORCER_TRACE_FAKE_TRACE_KERNEL_H_

// A TraceKernel for tests: records what is armed, hands out the events a
// test queues, and answers rule handles from a table the test fills.

#include <deque>
#include <map>
#include <optional>
#include <utility>

#include "enforcer/trace/trace_kernel.h"

namespace podwall::trace {

class FakeTraceKernel : public TraceKernel {
 public:
  absl::Status Listen() override {
    listening_ = true;
    return absl::OkStatus();
  }
  void StopListening() override { listening_ = false; }
  int fd() const override { return listening_ ? 1000 : -1; }
  void ReadEvents(std::size_t max,
                  const std::function<void(const TraceEvent&)>& each) override {
    for (std::size_t i = 0; i < max && !queued_.empty(); ++i) {
      TraceEvent e = std::move(queued_.front());
      queued_.pop_front();
      each(e);
    }
  }
  absl::Status Arm(const TraceTarget& target) override {
    armed_ = target;
    ++arms_;
    return absl::OkStatus();
  }
  absl::Status Disarm() override {
    armed_.reset();
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<uint64_t>> RuleHandles(
      uint16_t family, const std::string& chain) override {
    auto it = handles_.find({family, chain});
    if (it == handles_.end()) return absl::NotFoundError("no such chain");
    return it->second;
  }

  void Queue(TraceEvent e) { queued_.push_back(std::move(e)); }
  const std::optional<TraceTarget>& armed() const { return armed_; }
  bool listening() const { return listening_; }
  int arms() const { return arms_; }
  std::map<std::pair<uint16_t, std::string>, std::vector<uint64_t>>& handles() {
    return handles_;
  }

 private:
  bool listening_ = false;
  int arms_ = 0;
  std::optional<TraceTarget> armed_;
  std::deque<TraceEvent> queued_;
  std::map<std::pair<uint16_t, std::string>, std::vector<uint64_t>> handles_;
};

}  // namespace podwall::trace

#endif  // PODWALL_ENFORCER_TRACE_FAKE_TRACE_KERNEL_H_
