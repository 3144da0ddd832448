#include "enforcer/daemon/interface_tracker.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace podwall::daemon {
namespace {

constexpr auto kDebounce = std::chrono::milliseconds(20);
constexpr auto kRetry = std::chrono::seconds(1);

// A local pod's address found behind a device.
struct Claim {
  schema::IpAddress address;
  std::string device;
  std::string pod;
};

// Device -> the pod it belongs to. A device two pods' addresses point at
// keeps one owner, never none: the pod it had, else the pod podwall-cni
// reported it for, else the first by name. The others' addresses are not
// mapped to it, so its guard drops them.
std::map<std::string, std::string> PickOwners(
    const std::vector<Claim>& claims,
    const std::map<std::string, std::set<std::string>>& claimants,
    const std::map<schema::IpAddress, std::string>& had,
    const std::map<schema::IpAddress, std::string>& reported) {
  std::map<std::string, std::pair<int, std::string>> best;  // Rank, pod.
  for (const Claim& c : claims) {
    int rank = 2;
    if (claimants.at(c.device).size() > 1) {
      auto h = had.find(c.address);
      auto r = reported.find(c.address);
      if (h != had.end() && h->second == c.device) {
        rank = 0;
      } else if (r != reported.end() && r->second == c.device) {
        rank = 1;
      }
    }
    auto [it, inserted] = best.try_emplace(c.device, rank, c.pod);
    if (!inserted && std::pair(rank, c.pod) < it->second) {
      it->second = {rank, c.pod};
    }
  }
  std::map<std::string, std::string> owner;
  for (const auto& [device, ranked] : best) owner[device] = ranked.second;
  return owner;
}

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

namespace {

std::set<schema::IpAddress> LocalAddresses(const controller::Compiler& c) {
  std::set<schema::IpAddress> out;
  for (const ir::Endpoint* ep : c.Endpoints()) {
    out.insert(ep->addresses.begin(), ep->addresses.end());
  }
  return out;
}

}  // namespace

void InterfaceTracker::RefreshIfLocalPodsChanged() {
  if (LocalAddresses(input_.compiler()) != local_addresses_) RefreshSoon();
}

void InterfaceTracker::Refresh() {
  const controller::Compiler& compiler = input_.compiler();
  // What discovery must find: the local pods' addresses podwall-cni has
  // not already reported a device for.
  const std::map<schema::IpAddress, std::string> reported =
      input_.cni().Interfaces();
  local_addresses_ = LocalAddresses(compiler);
  std::set<schema::IpAddress> wanted;
  for (const schema::IpAddress& a : local_addresses_) {
    if (!reported.contains(a)) wanted.insert(a);
  }
  absl::StatusOr<std::map<schema::IpAddress, std::string>> found =
      discovery_.Discover(wanted);
  if (!found.ok()) {
    log_.Warn("veth discovery failed",
              {{"error", std::string(found.status().message())}});
    return;
  }
  // podwall-cni's reports: the runtime said which veth it made for the
  // pod; that beats whatever discovery can see or guess. A reported name
  // that is no pod device (none has it, or an IFB) is not taken.
  std::set<std::string> refused;
  for (const auto& [address, device] : reported) {
    if (discovery_.IsPodDevice(device)) {
      (*found)[address] = device;
    } else {
      refused.insert(device);
    }
  }
  for (const std::string& device : refused) {
    if (refused_.contains(device)) continue;
    log_.Warn(
        "podwall-cni reported a device that is not a pod's veth; "
        "discovery decides",
        {{"device", device}});
  }
  refused_ = std::move(refused);
  // Local pods' addresses only, and who claims each device.
  std::vector<Claim> claims;
  std::map<std::string, std::set<std::string>> claimants;  // Device -> pods.
  bool missing = false;
  for (const ir::Endpoint* ep : compiler.Endpoints()) {
    bool any = false;
    for (const schema::IpAddress& a : ep->addresses) {
      if (auto it = found->find(a); it != found->end()) {
        claims.push_back({a, it->second, ep->id});
        claimants[it->second].insert(ep->id);
        any = true;
      }
    }
    missing |= !any;
  }
  const std::map<std::string, std::string> owner =
      PickOwners(claims, claimants, interfaces_, reported);
  std::set<std::string> contested;
  for (const auto& [device, pods] : claimants) {
    if (pods.size() > 1) contested.insert(device);
  }
  std::map<schema::IpAddress, std::string> local;
  for (const Claim& c : claims) {
    if (owner.at(c.device) == c.pod) local.emplace(c.address, c.device);
  }
  for (const std::string& device : contested) {
    if (contested_.contains(device)) continue;
    std::string pods;
    for (const std::string& p : claimants[device]) {
      absl::StrAppend(&pods, pods.empty() ? "" : ",", p);
    }
    log_.Warn(
        "device claimed by more than one pod; it keeps one owner's guard",
        {{"device", device}, {"pods", pods}, {"owner", owner.at(device)}});
  }
  contested_ = std::move(contested);
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

std::vector<std::string> InterfaceTracker::problems() const {
  std::vector<std::string> out;
  if (!bridge_problem_.empty()) out.push_back(bridge_problem_);
  return out;
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
