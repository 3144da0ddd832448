#include "enforcer/daemon/cni_endpoints.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

schema::Pod LocalPod(const std::string& node, std::vector<std::string> ips) {
  schema::Pod pod;
  pod.metadata.namespace_ = "x";
  pod.metadata.name = "a";
  pod.metadata.labels = {{"app", "web"}};
  pod.spec.node_name = node;
  pod.status.pod_ips = std::move(ips);
  return pod;
}

CniEndpoints::Endpoint Reported(std::string container = "c1") {
  auto e = CniEndpoints::ParseAdd(
      R"({"namespace":"x","name":"a","containerID":")" + container +
      R"(","interface":"veth1","ips":["10.0.0.5","fd00::5"]})");
  EXPECT_TRUE(e.ok()) << e.status();
  return *e;
}

TEST(CniEndpointsTest, Parse_NamesTheField) {
  EXPECT_EQ(Reported().key, "x/a");
  EXPECT_THAT(Reported().ips, ElementsAre("10.0.0.5", "fd00::5"));
  EXPECT_THAT(CniEndpoints::ParseAdd(R"({"name":"a","ips":["10.0.0.5"]})")
                  .status()
                  .message(),
              HasSubstr("namespace: Required value"));
  EXPECT_THAT(
      CniEndpoints::ParseAdd(R"({"namespace":"x","name":"a","ips":["nope"]})")
          .status()
          .message(),
      HasSubstr("ips: Invalid value"));
  EXPECT_THAT(CniEndpoints::ParseAdd("[").status().message(),
              HasSubstr("not a JSON object"));
  auto del = CniEndpoints::ParseDelete(
      R"({"namespace":"x","name":"a","containerID":"c1"})");
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->container_id, "c1");
}

TEST(CniEndpointsTest, SourcePodFirst_ThenCniFillsItsAddresses) {
  CniEndpoints cni("node-1");
  // The API shows the scheduled pod before the CNI has run: no addresses.
  EXPECT_TRUE(cni.OnSourcePod(LocalPod("node-1", {})).status.pod_ips.empty());
  std::optional<schema::Pod> filled = cni.Add(Reported());
  ASSERT_TRUE(filled.has_value());
  EXPECT_THAT(filled->status.pod_ips, ElementsAre("10.0.0.5", "fd00::5"));
  EXPECT_EQ(filled->status.pod_ip, "10.0.0.5");
  EXPECT_EQ(filled->metadata.labels.at("app"), "web");
  // A relabel from the API keeps the CNI's addresses.
  schema::Pod relabelled = LocalPod("node-1", {});
  relabelled.metadata.labels["app"] = "db";
  EXPECT_THAT(cni.OnSourcePod(relabelled).status.pod_ips,
              ElementsAre("10.0.0.5", "fd00::5"));
  // The API's own addresses come first; the sandbox's are kept with them.
  EXPECT_THAT(cni.OnSourcePod(LocalPod("node-1", {"10.0.0.5"})).status.pod_ips,
              ElementsAre("10.0.0.5", "fd00::5"));
  // A recreated sandbox: the API still shows the old sandbox's address.
  EXPECT_THAT(cni.OnSourcePod(LocalPod("node-1", {"10.0.0.4"})).status.pod_ips,
              ElementsAre("10.0.0.4", "10.0.0.5", "fd00::5"));
}

TEST(CniEndpointsTest, CniFirst_ThenTheSourcePodIsFilled) {
  CniEndpoints cni("node-1");
  EXPECT_FALSE(cni.Add(Reported()).has_value());  // Not known yet.
  EXPECT_THAT(cni.OnSourcePod(LocalPod("node-1", {})).status.pod_ips,
              ElementsAre("10.0.0.5", "fd00::5"));
  // Another node's pod of the same name is not ours to fill.
  EXPECT_TRUE(cni.OnSourcePod(LocalPod("node-2", {})).status.pod_ips.empty());
}

TEST(CniEndpointsTest, Remove_WithdrawsAddresses_OnlyForTheSameSandbox) {
  CniEndpoints cni("node-1");
  cni.OnSourcePod(LocalPod("node-1", {}));
  cni.Add(Reported("new"));
  EXPECT_FALSE(cni.Remove("x/a", "old").has_value());  // A stale DEL.
  ASSERT_NE(cni.Find("x/a"), nullptr);
  std::optional<schema::Pod> bare = cni.Remove("x/a", "new");
  ASSERT_TRUE(bare.has_value());
  EXPECT_TRUE(bare->status.pod_ips.empty());
  EXPECT_EQ(cni.Find("x/a"), nullptr);
}

TEST(CniEndpointsTest, Interfaces_ForEveryAddress) {
  CniEndpoints cni("node-1");
  cni.Add(Reported());
  auto interfaces = cni.Interfaces();
  ASSERT_EQ(interfaces.size(), 2u);
  EXPECT_EQ(interfaces.begin()->second, "veth1");
  cni.OnSourceDelete("x/a");
  EXPECT_TRUE(cni.Interfaces().empty());
}

}  // namespace
}  // namespace podwall::daemon
