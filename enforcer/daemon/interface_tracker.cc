#include "enforcer/daemon/interface_tracker.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace podwall::daemon {
namespace {

constexpr auto kDebounce = std::chrono::milliseconds(20);
constexpr auto kRetry = std::chrono::seconds(1);

}  // namespace

InterfaceTracker::InterfaceTracker(Timers& timers,
                                   links::InterfaceDiscovery& discovery,
                                   ClusterInput& input, Logger log, Hooks hooks)
    : timers_(timers),
      discovery_(discovery),
      input_(input),
      log_(log),
      hooks_(std::move(hooks)) {}

InterfaceTracker::~InterfaceTracker() { timers_.Cancel(timer_); }

void InterfaceTracker::Arm(Timers::Clock::duration delay) {
  timers_.Cancel(timer_);
  timer_ = timers_.After(delay, [this] {
    timer_ = 0;
    Refresh();
  });
}

void InterfaceTracker::RefreshSoon() { Arm(kDebounce); }

void InterfaceTracker::Refresh() {
  const controller::Compiler& compiler = input_.compiler();
  // What discovery must find: the local pods' addresses podwall-cni has
  // not already reported a device for.
  const std::map<schema::IpAddress, std::string> reported =
      input_.cni().Interfaces();
  std::set<schema::IpAddress> wanted;
  for (const ir::Endpoint* ep : compiler.Endpoints()) {
    for (const schema::IpAddress& a : ep->addresses) {
      if (!reported.contains(a)) wanted.insert(a);
    }
  }
  absl::StatusOr<std::map<schema::IpAddress, std::string>> found =
      discovery_.Discover(wanted);
  if (!found.ok()) {
    log_.Warn("veth discovery failed",
              {{"error", std::string(found.status().message())}});
    return;
  }
  // podwall-cni's reports name veths of bridged pods that have not sent a
  // packet yet.
  for (const auto& [address, device] : reported) {
    found->emplace(address, device);
  }
  // Keep only local pods' addresses: the map is compared as a whole.
  std::map<schema::IpAddress, std::string> local;
  std::map<std::string, std::set<std::string>> owners;  // Device -> pods.
  bool missing = false;
  for (const ir::Endpoint* ep : compiler.Endpoints()) {
    bool any = false;
    for (const schema::IpAddress& a : ep->addresses) {
      if (auto it = found->find(a); it != found->end()) {
        local.insert(*it);
        owners[it->second].insert(ep->id);
        any = true;
      }
    }
    missing |= !any;
  }
  // A device two pods' addresses point at guards neither: which pod it
  // belongs to is not known.
  std::erase_if(local, [&](const auto& entry) {
    return owners[entry.second].size() > 1;
  });
  CheckBridgeFiltering(local);
  if (local != interfaces_) {
    interfaces_ = local;
    input_.compiler().SetInterfaces(input_.state(), local);
    if (!input_.starting() && hooks_.interfaces_changed) {
      hooks_.interfaces_changed();
    }
  }
  // Bridged pods are located once they have sent a packet (neighbour and
  // FDB entries); until then, look again shortly.
  if (missing && timer_ == 0) Arm(kRetry);
}

void InterfaceTracker::CheckBridgeFiltering(
    const std::map<schema::IpAddress, std::string>& local) {
  std::set<std::string> devices;
  for (const auto& [address, device] : local) devices.insert(device);
  std::string problem = discovery_.EnsureBridgeFiltering(devices);
  if (problem == bridge_problem_) return;
  if (problem.empty()) {
    log_.Info("bridged pods are filtered again", {});
  } else {
    log_.Error("bridged pods are not filtered; not ready",
               {{"problem", problem}});
  }
  bridge_problem_ = std::move(problem);
}

void InterfaceTracker::SetGuardedNetworks(
    std::vector<schema::IpPrefix> networks) {
  std::sort(networks.begin(), networks.end());
  networks.erase(std::unique(networks.begin(), networks.end()), networks.end());
  if (networks == networks_) return;
  networks_ = std::move(networks);
  std::string list;
  for (const schema::IpPrefix& p : networks_) {
    absl::StrAppend(&list, list.empty() ? "" : ",", p.ToString());
  }
  log_.Info("guarded pod networks: unknown addresses there are dropped",
            {{"networks", list}});
  if (hooks_.networks_changed) hooks_.networks_changed(networks_);
}

}  // namespace podwall::daemon
