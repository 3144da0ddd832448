// The Docker Engine's JSON (captured from dockerd 20.10 here, in testdata/)
// read into containers, pods, events and subnets.

#include "controller/sources/docker_objects.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::string Fixture(const std::string& name) {
  std::ifstream in("controller/sources/testdata/docker/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DockerObjectsTest, ContainerList_Ids) {
  auto ids = ParseContainerIds(Fixture("containers.json"));
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_EQ(ids->size(), 3u);
  EXPECT_EQ((*ids)[1],
            "2594ef1402d0974d70206b0fe5dee99aa0e88b301a1f60c170250f1e6260ad6f");
  EXPECT_FALSE(ParseContainerIds("{\"message\":\"x\"}").ok());
}

TEST(DockerObjectsTest, BridgeContainer_DefaultNamespaceLabelsAddress) {
  auto c = ParseContainer(Fixture("container-bridge.json"), "node-1");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->pod.has_value());
  const schema::Pod& pod = *c->pod;
  EXPECT_EQ(pod.metadata.name, "web3");
  EXPECT_EQ(pod.metadata.namespace_, "default");
  EXPECT_EQ(pod.metadata.labels.at("app"), "web");
  EXPECT_EQ(pod.spec.node_name, "node-1");
  EXPECT_THAT(pod.status.pod_ips, ElementsAre("172.17.0.2"));
  EXPECT_EQ(pod.status.pod_ip, "172.17.0.2");
}

TEST(DockerObjectsTest, ComposeContainer_ProjectIsNamespace_EveryNetwork) {
  auto c =
      ParseContainer(Fixture("container-compose-two-networks.json"), "node-1");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->pod.has_value());
  const schema::Pod& pod = *c->pod;
  EXPECT_EQ(pod.metadata.name, "db_1");
  EXPECT_EQ(pod.metadata.namespace_, "shop");
  // Its address on the user-defined network (v4 and v6) and on bridge.
  EXPECT_THAT(pod.status.pod_ips,
              UnorderedElementsAre("10.123.0.2", "fd00:123::2", "172.17.0.3"));
  // The exposed port by its generated name, and the label's name.
  ASSERT_EQ(pod.spec.containers.size(), 1u);
  EXPECT_THAT(
      pod.spec.containers[0].ports,
      UnorderedElementsAre(schema::ContainerPort{"tcp-5432", 5432, "TCP"},
                           schema::ContainerPort{"pg", 5432, "TCP"}));
}

TEST(DockerObjectsTest, PodwallNamespaceLabelWinsOverCompose) {
  std::string json = Fixture("container-compose-two-networks.json");
  const std::string label = R"("app":"db",)";
  ASSERT_NE(json.find(label), std::string::npos);
  json.replace(json.find(label), label.size(),
               R"("app":"db","io.podwall.namespace":"payments",)");
  auto c = ParseContainer(json, "node-1");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->pod->metadata.namespace_, "payments");
}

TEST(DockerObjectsTest, HostNetworkAndCreatedContainers_AreNotEndpoints) {
  auto host = ParseContainer(Fixture("container-host-network.json"), "n");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_FALSE(host->id.empty());
  EXPECT_FALSE(host->pod.has_value());
  // Created but not yet connected: no address yet.
  auto created = ParseContainer(Fixture("container-created.json"), "n");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->pod.has_value());
}

TEST(DockerObjectsTest, ExitedContainer_IsNotAnEndpoint) {
  std::string json = Fixture("container-bridge.json");
  const std::string running = R"("Status":"running")";
  ASSERT_NE(json.find(running), std::string::npos);
  json.replace(json.find(running), running.size(), R"("Status":"exited")");
  auto c = ParseContainer(json, "n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->pod.has_value());
}

TEST(DockerObjectsTest, Events_ContainerOrNetworkSubject) {
  std::istringstream lines(Fixture("events.jsonl"));
  std::vector<DockerEvent> events;
  for (std::string line; std::getline(lines, line);) {
    auto ev = ParseDockerEvent(line);
    ASSERT_TRUE(ev.ok()) << ev.status();
    events.push_back(*ev);
  }
  ASSERT_EQ(events.size(), 10u);
  EXPECT_EQ(events[0].type, "container");
  EXPECT_EQ(events[0].action, "rename");
  EXPECT_EQ(events[0].container_id.substr(0, 12), "92eaeac1f63b");
  EXPECT_GT(events[0].time_nano, 0);
  // A network event names the container in its attributes, not its actor.
  EXPECT_EQ(events[4].type, "network");
  EXPECT_EQ(events[4].action, "disconnect");
  EXPECT_EQ(events[4].container_id.substr(0, 12), "92eaeac1f63b");
  EXPECT_EQ(events[9].container_id.substr(0, 12), "2594ef1402d0");
  EXPECT_THAT(ParseDockerEvent("not json").status().message(),
              HasSubstr("docker event"));
}

TEST(DockerObjectsTest, Networks_BridgeSubnetsOnly) {
  auto subnets = ParseBridgeSubnets(Fixture("networks.json"));
  ASSERT_TRUE(subnets.ok()) << subnets.status();
  EXPECT_THAT(*subnets,
              ElementsAre("10.123.0.0/24", "172.17.0.0/16", "fd00:123::/64"));
}

}  // namespace
}  // namespace podwall::controller
