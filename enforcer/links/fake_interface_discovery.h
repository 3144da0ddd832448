#ifndef PODWALL_ENFORCER_LINKS_FAKE_INTERFACE_DISCOVERY_H_
#define PODWALL_ENFORCER_LINKS_FAKE_INTERFACE_DISCOVERY_H_

// A kernel view of interfaces that a test sets by hand. Test-only.

#include <optional>

#include "enforcer/links/interface_discovery.h"

namespace podwall::links {

class FakeInterfaceDiscovery : public InterfaceDiscovery {
 public:
  absl::StatusOr<std::map<schema::IpAddress, std::string>> Discover(
      const std::set<schema::IpAddress>& wanted) override {
    ++calls_;
    last_wanted_ = wanted;
    if (error_) return *error_;
    return links_;
  }

  std::string EnsureBridgeFiltering(
      const std::set<std::string>& devices) override {
    last_devices_ = devices;
    return bridge_problem_;
  }

  bool IsPodDevice(const std::string& name) override {
    return !not_pod_devices_.contains(name);
  }

  // What the kernel shows, address -> interface.
  std::map<schema::IpAddress, std::string>& links() { return links_; }
  void set_error(std::optional<absl::Status> error) {
    error_ = std::move(error);
  }
  int calls() const { return calls_; }
  // What EnsureBridgeFiltering answers ("" = filtered), and the devices it
  // was last asked about.
  void set_bridge_problem(std::string problem) {
    bridge_problem_ = std::move(problem);
  }
  const std::set<std::string>& last_devices() const { return last_devices_; }
  // Names IsPodDevice refuses (every other name is a pod device).
  std::set<std::string>& not_pod_devices() { return not_pod_devices_; }
  const std::set<schema::IpAddress>& last_wanted() const {
    return last_wanted_;
  }

 private:
  std::map<schema::IpAddress, std::string> links_;
  std::optional<absl::Status> error_;
  int calls_ = 0;
  std::set<schema::IpAddress> last_wanted_;
  std::string bridge_problem_;
  std::set<std::string> last_devices_;
  std::set<std::string> not_pod_devices_;
};

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_FAKE_INTERFACE_DISCOVERY_H_
