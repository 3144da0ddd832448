#include "enforcer/daemon/interface_tracker.h"

#include <fcntl.h>
#include <unistd.h>

#include "enforcer/daemon/fake_timers.h"
#include "enforcer/links/fake_interface_discovery.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/manifest.h"

namespace podwall::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

schema::IpAddress Ip(const char* s) { return *schema::IpAddress::Parse(s); }

// Two local pods and one elsewhere.
constexpr char kPods[] = R"(
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: x}
spec: {nodeName: node-2}
status: {podIP: 10.0.0.3}
)";

class InterfaceTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = schema::ParseManifests(kPods, "pods.yaml");
    ASSERT_TRUE(set.ok()) << set.status();
    for (const schema::SourcedObject& o : set->objects) {
      input_.Apply({controller::ObjectChange::Type::kUpsert, o.object});
    }
    input_.FinishStart();
  }
  // podwall-cni reports pod `key` behind `device` with `ip`.
  void Report(const std::string& key, const std::string& device,
              const std::string& ip) {
    CniEndpoints::Endpoint e;
    e.key = key;
    e.container_id = "c1";
    e.interface = device;
    e.ips = {ip};
    input_.CniAdd(e);
  }
  const ir::Endpoint& Endpoint(const std::string& id) {
    return *input_.compiler().FindEndpoint(id);
  }

  FakeTimers timers_;
  links::FakeInterfaceDiscovery discovery_;
  MetricsRegistry metrics_;
  Logger log_{open("/dev/null", O_WRONLY | O_CLOEXEC)};
  ClusterInput input_{"node-1", log_, metrics_, nullptr};
  int changed_ = 0;
  std::vector<std::vector<schema::IpPrefix>> networks_;
  InterfaceTracker tracker_{
      timers_, discovery_, input_, log_,
      InterfaceTracker::Hooks{[this] { ++changed_; },
                              [this](const std::vector<schema::IpPrefix>& n) {
                                networks_.push_back(n);
                              }}};
};

TEST_F(InterfaceTrackerTest, Refresh_LocalPodsGetTheirDevices) {
  discovery_.links() = {{Ip("10.0.0.1"), "veth-a"},
                        {Ip("10.0.0.2"), "veth-b"},
                        {Ip("10.0.0.3"), "veth-elsewhere"},
                        {Ip("192.168.0.1"), "eth0"}};
  tracker_.Refresh();
  EXPECT_THAT(discovery_.last_wanted(),
              ElementsAre(Ip("10.0.0.1"), Ip("10.0.0.2")));
  EXPECT_THAT(tracker_.interfaces(),
              ElementsAre(Pair(Ip("10.0.0.1"), "veth-a"),
                          Pair(Ip("10.0.0.2"), "veth-b")));
  EXPECT_THAT(Endpoint("x/a").interfaces, ElementsAre("veth-a"));
  EXPECT_EQ(changed_, 1);
  tracker_.Refresh();
  EXPECT_EQ(changed_, 1) << "nothing new, no hook";
  EXPECT_EQ(timers_.pending(), 0u) << "every pod placed: no retry";
}

// A device both pods' addresses point at (x/b pretends to be behind x/a's
// veth) is never left unguarded: with no other clue the first pod by name
// owns it, and the other's address is not mapped there (its guard drops
// it).
TEST_F(InterfaceTrackerTest, DeviceClaimedByTwoPods_OneOwnerKeepsTheGuard) {
  discovery_.links() = {{Ip("10.0.0.1"), "veth-shared"},
                        {Ip("10.0.0.2"), "veth-shared"}};
  tracker_.Refresh();
  EXPECT_THAT(tracker_.interfaces(),
              ElementsAre(Pair(Ip("10.0.0.1"), "veth-shared")));
  EXPECT_THAT(Endpoint("x/a").interfaces, ElementsAre("veth-shared"));
  EXPECT_TRUE(Endpoint("x/b").interfaces.empty());
}

// The owner a device had keeps it when another pod's address starts to
// point there too, whatever the names.
TEST_F(InterfaceTrackerTest, ContestedLater_TheOwnerItHadKeepsIt) {
  discovery_.links() = {{Ip("10.0.0.2"), "veth-b"}};
  tracker_.Refresh();
  discovery_.links() = {{Ip("10.0.0.1"), "veth-b"}, {Ip("10.0.0.2"), "veth-b"}};
  tracker_.Refresh();
  EXPECT_THAT(tracker_.interfaces(),
              ElementsAre(Pair(Ip("10.0.0.2"), "veth-b")));
  EXPECT_THAT(Endpoint("x/b").interfaces, ElementsAre("veth-b"));
}

// podwall-cni's report beats what discovery shows (a neighbour entry a pod
// poisoned, say).
TEST_F(InterfaceTrackerTest, CniReport_BeatsDiscovery) {
  discovery_.links() = {{Ip("10.0.0.1"), "veth-b"}, {Ip("10.0.0.2"), "veth-b"}};
  Report("x/a", "veth-a", "10.0.0.1");
  tracker_.Refresh();
  EXPECT_THAT(tracker_.interfaces(),
              ElementsAre(Pair(Ip("10.0.0.1"), "veth-a"),
                          Pair(Ip("10.0.0.2"), "veth-b")));
}

// A report naming a device that is no pod's veth (an IFB device, a name no
// device has) is not taken: discovery's veth keeps the guard, and the
// kernel is never asked for a guard on a missing device.
TEST_F(InterfaceTrackerTest, CniReport_NotAPodDevice_DiscoveryDecides) {
  discovery_.links() = {{Ip("10.0.0.1"), "veth-a"}};
  discovery_.not_pod_devices() = {"bwp0"};
  Report("x/a", "bwp0", "10.0.0.1");
  tracker_.Refresh();
  EXPECT_THAT(tracker_.interfaces(),
              ElementsAre(Pair(Ip("10.0.0.1"), "veth-a")));
}

TEST_F(InterfaceTrackerTest, PodNotYetPlaced_RetriedEverySecond) {
  discovery_.links() = {{Ip("10.0.0.1"), "veth-a"}};
  tracker_.Refresh();
  EXPECT_EQ(discovery_.calls(), 1);
  timers_.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(discovery_.calls(), 1);
  discovery_.links()[Ip("10.0.0.2")] = "veth-b";
  timers_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(discovery_.calls(), 2);
  EXPECT_THAT(Endpoint("x/b").interfaces, ElementsAre("veth-b"));
  timers_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(discovery_.calls(), 2) << "all placed: no more retries";
}

// Only a change to the local pods' addresses starts a discovery.
TEST_F(InterfaceTrackerTest, ClusterChange_RefreshesOnlyForLocalPods) {
  tracker_.Refresh();
  ASSERT_EQ(discovery_.calls(), 1);
  tracker_.RefreshIfLocalPodsChanged();
  timers_.Advance(std::chrono::milliseconds(100));
  EXPECT_EQ(discovery_.calls(), 1) << "nothing local changed";
  auto set = schema::ParseManifests(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: d, namespace: x}\n"
      "spec: {nodeName: node-1}\nstatus: {podIP: 10.0.0.9}\n",
      "pods.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  input_.Apply(
      {controller::ObjectChange::Type::kUpsert, set->objects[0].object});
  tracker_.RefreshIfLocalPodsChanged();
  timers_.Advance(std::chrono::milliseconds(100));
  EXPECT_EQ(discovery_.calls(), 2);
}

TEST_F(InterfaceTrackerTest, RefreshSoon_DebouncesABurst) {
  for (int i = 0; i < 5; ++i) tracker_.RefreshSoon();
  timers_.Advance(std::chrono::milliseconds(20));
  EXPECT_EQ(discovery_.calls(), 1);
}

TEST_F(InterfaceTrackerTest, CniReport_PlacesAPodTheKernelDoesNotShowYet) {
  Report("x/b", "veth-cni", "10.0.0.2");
  discovery_.links() = {{Ip("10.0.0.1"), "veth-a"}};
  tracker_.Refresh();
  EXPECT_THAT(discovery_.last_wanted(), ElementsAre(Ip("10.0.0.1")))
      << "reported addresses are not looked for";
  EXPECT_THAT(Endpoint("x/b").interfaces, ElementsAre("veth-cni"));
}

TEST_F(InterfaceTrackerTest, DiscoveryFails_KeepsWhatItHad) {
  discovery_.links() = {{Ip("10.0.0.1"), "veth-a"}, {Ip("10.0.0.2"), "veth-b"}};
  tracker_.Refresh();
  discovery_.set_error(absl::InternalError("rtnetlink gone"));
  tracker_.Refresh();
  EXPECT_EQ(tracker_.interfaces().size(), 2u);
}

TEST_F(InterfaceTrackerTest, GuardedNetworks_SortedDeduplicatedChangesOnly) {
  const auto a = *schema::IpPrefix::Parse("172.17.0.0/16");
  const auto b = *schema::IpPrefix::Parse("10.1.0.0/24");
  tracker_.SetGuardedNetworks({a, b, a});
  tracker_.SetGuardedNetworks({b, a});
  ASSERT_EQ(networks_.size(), 1u);
  EXPECT_THAT(networks_[0], ElementsAre(b, a));
  tracker_.SetGuardedNetworks({});
  EXPECT_EQ(networks_.size(), 2u);
}

}  // namespace
}  // namespace podwall::daemon
