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

  // What the kernel shows, address -> interface.
  std::map<schema::IpAddress, std::string>& links() { return links_; }
  void set_error(std::optional<absl::Status> error) {
    error_ = std::move(error);
  }
  int calls() const { return calls_; }
  const std::set<schema::IpAddress>& last_wanted() const {
    return last_wanted_;
  }

 private:
  std::map<schema::IpAddress, std::string> links_;
  std::optional<absl::Status> error_;
  int calls_ = 0;
  std::set<schema::IpAddress> last_wanted_;
};

}  // namespace podwall::links

#endif  // PODWALL_ENFORCER_LINKS_FAKE_INTERFACE_DISCOVERY_H_
