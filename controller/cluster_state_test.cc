#include "controller/cluster_state.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

schema::Pod MakePod(const std::string& ns, const std::string& name,
                    schema::Labels labels, const std::string& ip) {
  schema::Pod p;
  p.metadata = {name, "", ns, "", "", std::move(labels)};
  p.spec.node_name = "n1";
  p.status.phase = "Running";
  p.status.pod_ip = ip;
  return p;
}

TEST(WorkloadTest, WorkloadFromPod_EligibilityRules) {
  schema::Pod p = MakePod("x", "a", {}, "10.0.0.1");
  EXPECT_TRUE(WorkloadFromPod(p).eligible);
  p.spec.host_network = true;
  EXPECT_FALSE(WorkloadFromPod(p).eligible);
  p.spec.host_network = false;
  p.status.phase = "Failed";
  EXPECT_FALSE(WorkloadFromPod(p).eligible);
  p.status.phase = "Pending";
  p.status.pod_ip.clear();
  EXPECT_FALSE(WorkloadFromPod(p).eligible);
}

TEST(WorkloadTest, WorkloadFromPod_DualStackAndNamedPorts) {
  schema::Pod p = MakePod("x", "a", {}, "10.0.0.1");
  p.status.pod_ips = {"fd00::1", "10.0.0.1"};
  p.spec.containers.push_back(
      {"c", {{"http", 80, "TCP"}, {"", 81, "TCP"}, {"dns", 53, "UDP"}}});
  Workload w = WorkloadFromPod(p);
  ASSERT_EQ(w.addresses.size(), 2u);
  EXPECT_EQ(w.addresses[0].ToString(), "10.0.0.1");
  EXPECT_EQ(w.addresses[1].ToString(), "fd00::1");
  ASSERT_EQ(w.named_ports.size(), 2u);  // Unnamed port 81 is not a named port.
  EXPECT_EQ(w.named_ports[0].name, "dns");
  EXPECT_EQ(w.named_ports[0].protocol, ir::Protocol::kUDP);
}

TEST(ClusterStateTest, Indexes_FollowUpsertAndDelete) {
  ClusterState s;
  EXPECT_TRUE(s.UpsertWorkload(
      WorkloadFromPod(MakePod("x", "a", {{"app", "web"}}, "10.0.0.1"))));
  EXPECT_TRUE(s.UpsertWorkload(
      WorkloadFromPod(MakePod("x", "b", {{"app", "db"}}, "10.0.0.2"))));
  EXPECT_THAT(s.WorkloadsWithLabel("app", "web"), ElementsAre("x/a"));
  EXPECT_THAT(s.WorkloadsWithLabelKey("app"), ElementsAre("x/a", "x/b"));
  EXPECT_THAT(s.WorkloadsInNamespace("x"), ElementsAre("x/a", "x/b"));
  // Relabel and readdress x/a.
  EXPECT_TRUE(s.UpsertWorkload(
      WorkloadFromPod(MakePod("x", "a", {{"app", "db"}}, "10.0.0.9"))));
  EXPECT_THAT(s.WorkloadsWithLabel("app", "web"), IsEmpty());
  EXPECT_THAT(s.WorkloadsWithLabel("app", "db"), ElementsAre("x/a", "x/b"));
  EXPECT_EQ(s.FindWorkloadByAddress(*schema::IpAddress::Parse("10.0.0.1")),
            nullptr);
  EXPECT_EQ(s.FindWorkloadByAddress(*schema::IpAddress::Parse("10.0.0.9"))->key,
            "x/a");
  // Same content again: no change.
  EXPECT_FALSE(s.UpsertWorkload(
      WorkloadFromPod(MakePod("x", "a", {{"app", "db"}}, "10.0.0.9"))));
  EXPECT_TRUE(s.DeleteWorkload("x/a"));
  EXPECT_FALSE(s.DeleteWorkload("x/a"));
  EXPECT_THAT(s.WorkloadsWithLabel("app", "db"), ElementsAre("x/b"));
}

TEST(ClusterStateTest, NamespaceLabels_ImpliedNamespaceHasNameLabel) {
  ClusterState s;
  EXPECT_EQ(s.NamespaceLabels("ghost").at("kubernetes.io/metadata.name"),
            "ghost");
  schema::Namespace ns;
  ns.metadata.name = "x";
  ns.metadata.labels = {{"team", "a"}};
  s.UpsertNamespace(ns);
  EXPECT_EQ(s.NamespaceLabels("x").size(), 2u);
  EXPECT_TRUE(s.DeleteNamespace("x"));
  EXPECT_EQ(s.NamespaceLabels("x").size(), 1u);
}

TEST(ClusterStateTest, Policies_IndexedByNamespace) {
  ClusterState s;
  schema::NetworkPolicy p;
  p.metadata.name = "p";
  p.metadata.namespace_ = "x";
  EXPECT_TRUE(s.UpsertPolicy(p));
  EXPECT_FALSE(s.UpsertPolicy(p));
  EXPECT_THAT(s.PoliciesInNamespace("x"), ElementsAre("x/p"));
  EXPECT_TRUE(s.DeletePolicy("x/p"));
  EXPECT_THAT(s.PoliciesInNamespace("x"), IsEmpty());
}

// Two running pods claiming one address (issue 16, class 6): the newer holds
// it, the other loses it for as long as the conflict lasts, and whoever
// compiles hears about every workload whose held addresses changed.
TEST(ClusterStateTest, AddressClaimedTwice_NewestHoldsItLoserHasNone) {
  ClusterState s;
  schema::Pod old_pod = MakePod("x", "old", {{"app", "db"}}, "10.0.0.7");
  old_pod.metadata.creation_timestamp = "2026-12-01T10:00:00Z";
  schema::Pod new_pod = MakePod("y", "new", {{"app", "web"}}, "10.0.0.7");
  new_pod.metadata.creation_timestamp = "2026-12-01T11:00:00Z";
  ASSERT_TRUE(s.UpsertWorkload(WorkloadFromPod(new_pod)));
  ASSERT_TRUE(s.UpsertWorkload(WorkloadFromPod(old_pod)));
  const auto ip = *schema::IpAddress::Parse("10.0.0.7");
  // The older pod came second: it claims, but the newer holds.
  EXPECT_EQ(s.FindWorkloadByAddress(ip)->key, "y/new");
  EXPECT_THAT(s.FindWorkload("x/old")->addresses, IsEmpty());
  EXPECT_FALSE(s.FindWorkload("x/old")->eligible);
  EXPECT_TRUE(s.FindWorkload("y/new")->eligible);
  EXPECT_THAT(s.TakeAddressChanges(), IsEmpty())
      << "only the pod being upserted changed";
  ASSERT_EQ(s.AddressConflicts().size(), 1u);
  EXPECT_EQ(s.AddressConflicts()[0].holder, "y/new");
  EXPECT_THAT(s.AddressConflicts()[0].losers, ElementsAre("x/old"));
  // The holder goes: the other pod holds the address again, and is
  // reported as changed.
  ASSERT_TRUE(s.DeleteWorkload("y/new"));
  EXPECT_EQ(s.FindWorkloadByAddress(ip)->key, "x/old");
  EXPECT_THAT(s.FindWorkload("x/old")->addresses, ElementsAre(ip));
  EXPECT_THAT(s.TakeAddressChanges(), ElementsAre("x/old"));
  EXPECT_EQ(s.address_conflict_count(), 0u);
}

TEST(ClusterStateTest, AddressClaimedTwice_WithoutTimes_LatestSeenHolds) {
  ClusterState s;
  s.UpsertWorkload(WorkloadFromPod(MakePod("x", "a", {}, "10.0.0.7")));
  s.UpsertWorkload(WorkloadFromPod(MakePod("x", "b", {}, "10.0.0.7")));
  const auto ip = *schema::IpAddress::Parse("10.0.0.7");
  EXPECT_EQ(s.FindWorkloadByAddress(ip)->key, "x/b");
  EXPECT_THAT(s.TakeAddressChanges(), ElementsAre("x/a"));
  // Relabelling the holder keeps its place: it still holds.
  s.UpsertWorkload(
      WorkloadFromPod(MakePod("x", "b", {{"tier", "new"}}, "10.0.0.7")));
  EXPECT_EQ(s.FindWorkloadByAddress(ip)->key, "x/b");
  // The loser moving to another address ends the conflict.
  s.UpsertWorkload(WorkloadFromPod(MakePod("x", "a", {}, "10.0.0.8")));
  EXPECT_EQ(s.address_conflict_count(), 0u);
  EXPECT_TRUE(s.FindWorkload("x/a")->eligible);
}

TEST(ClusterStateTest, HostNetworkPods_ShareTheNodeAddressWithoutConflict) {
  ClusterState s;
  schema::Pod a = MakePod("kube-system", "a", {}, "192.168.0.10");
  schema::Pod b = MakePod("kube-system", "b", {}, "192.168.0.10");
  a.spec.host_network = b.spec.host_network = true;
  s.UpsertWorkload(WorkloadFromPod(a));
  s.UpsertWorkload(WorkloadFromPod(b));
  EXPECT_EQ(s.address_conflict_count(), 0u);
  EXPECT_EQ(s.FindWorkloadByAddress(*schema::IpAddress::Parse("192.168.0.10")),
            nullptr);
}

}  // namespace
}  // namespace podwall::controller
