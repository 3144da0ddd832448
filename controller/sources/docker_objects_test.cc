// The Docker Engine's JSON (captured from dockerd 20.10 here, in testdata/)
// read into containers, pods, events and network endpoints.

#include "controller/sources/docker_objects.h"

#include <fstream>
#include <map>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::sources {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::string Fixture(const std::string& name) {
  const std::string path = std::string(PODWALL_SOURCE_DIR) +
                           "/controller/sources/testdata/docker/" + name;
  std::ifstream in(path);
  if (!in) ADD_FAILURE() << "missing fixture " << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The fixtures' one image, with the labels it sets.
constexpr char kImage[] =
    "sha256:3da069019a06690dbdfe358f630bbb3dd5efafce280b8acdc83824a7878926ba";
ImageLabels Images(std::map<std::string, std::string> labels = {}) {
  return {{kImage, std::move(labels)}};
}

// containers.json: a host-network container, a Compose one on two networks
// (one dual-stack) with an exposed port, and a plain one on the bridge.
std::vector<DockerContainer> Listed(
    const std::string& fixture, const std::vector<std::string>& joining = {}) {
  auto listed = ParseContainers(Fixture(fixture), "node-1", Images(), joining);
  EXPECT_TRUE(listed.ok()) << listed.status();
  return listed.ok() ? *listed : std::vector<DockerContainer>{};
}

TEST(DockerObjectsTest, List_IdsInOrder_NotAnArrayIsAnError) {
  std::vector<DockerContainer> c = Listed("containers.json");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[1].id,
            "2594ef1402d0974d70206b0fe5dee99aa0e88b301a1f60c170250f1e6260ad6f");
  EXPECT_THAT(
      ParseContainers("{\"message\":\"x\"}", "n", {}).status().message(),
      HasSubstr("docker container list: not a JSON array"));
  EXPECT_THAT(
      ParseContainers("[{\"Names\":[\"/a\"]}]", "n", {}).status().message(),
      HasSubstr("without Id"));
}

TEST(DockerObjectsTest, BridgeContainer_DefaultNamespaceLabelsAddress) {
  std::vector<DockerContainer> c = Listed("containers.json");
  ASSERT_EQ(c.size(), 3u);
  ASSERT_TRUE(c[2].pod.has_value());
  const schema::Pod& pod = *c[2].pod;
  EXPECT_EQ(pod.metadata.name, "web2");
  EXPECT_EQ(pod.metadata.namespace_, "default");
  EXPECT_EQ(pod.metadata.labels.at("app"), "web");
  EXPECT_EQ(pod.metadata.uid, c[2].id);
  EXPECT_EQ(pod.spec.node_name, "node-1");
  EXPECT_THAT(pod.status.pod_ips, ElementsAre("172.17.0.2"));
  EXPECT_EQ(pod.status.pod_ip, "172.17.0.2");
}

TEST(DockerObjectsTest, ComposeContainer_ProjectIsNamespace_EveryNetwork) {
  std::vector<DockerContainer> c = Listed("containers.json");
  ASSERT_EQ(c.size(), 3u);
  ASSERT_TRUE(c[1].pod.has_value());
  const schema::Pod& pod = *c[1].pod;
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
  std::string json = Fixture("containers.json");
  const std::string label = R"("app":"db",)";
  ASSERT_NE(json.find(label), std::string::npos);
  json.replace(json.find(label), label.size(),
               R"("app":"db","io.podwall.namespace":"payments",)");
  auto c = ParseContainers(json, "node-1", Images());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)[1].pod->metadata.namespace_, "payments");
}

// Labels baked into the image (LABEL io.podwall.namespace=payments
// app=web) give its containers nothing: web2, whose app=web equals the
// image's, has no app label and stays in "default"; db_1's app=db is its
// own (another value), and so is its Compose project.
TEST(DockerObjectsTest, ImageLabels_DoNotCount_ContainerLabelsDo) {
  const std::string json = Fixture("containers.json");
  auto c = ParseContainers(
      json, "node-1",
      Images({{"app", "web"}, {"io.podwall.namespace", "payments"}}));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE((*c)[2].pod.has_value());
  EXPECT_EQ((*c)[2].pod->metadata.namespace_, "default");
  EXPECT_FALSE((*c)[2].pod->metadata.labels.contains("app"));
  ASSERT_TRUE((*c)[1].pod.has_value());
  EXPECT_EQ((*c)[1].pod->metadata.namespace_, "shop");
  EXPECT_EQ((*c)[1].pod->metadata.labels.at("app"), "db");
  // The image unknown: which labels are the container's is not known.
  auto unknown = ParseContainers(json, "node-1", {});
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE((*unknown)[2].pod.has_value());
  EXPECT_THAT((*unknown)[2].problem, HasSubstr("are not known"));
}

TEST(DockerObjectsTest, InvalidLabelsOrNamespace_NoEndpoint_SaysWhy) {
  std::string json = Fixture("containers.json");
  const std::string label = R"("app":"db",)";
  json.replace(json.find(label), label.size(),
               R"("app":"db","io.podwall.namespace":"Pay Ments",)");
  auto c = ParseContainers(json, "node-1", Images());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE((*c)[1].pod.has_value());
  EXPECT_THAT((*c)[1].problem, HasSubstr("io.podwall.namespace"));
  json = Fixture("containers.json");
  json.replace(json.find(label), label.size(), R"("app":"db/../x",)");
  c = ParseContainers(json, "node-1", Images());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE((*c)[1].pod.has_value());
  EXPECT_THAT((*c)[1].problem, HasSubstr("label app: invalid value"));
}

TEST(DockerObjectsTest, ImageIdsAndLabels) {
  auto ids = ParseImageIds(
      R"([{"ImageID":"sha256:abc"},{"ImageID":"../../x"},{"Id":"y"}])");
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ElementsAre("sha256:abc"));
  auto labels = ParseImageLabels(R"({"Config":{"Labels":{"a":"b"}}})");
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->at("a"), "b");
  EXPECT_TRUE(ParseImageLabels(R"({"Config":{"Labels":null}})")->empty());
}

TEST(DockerObjectsTest, HostNetworkCreatedAndExited_AreNotEndpoints) {
  std::vector<DockerContainer> c = Listed("containers.json");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_FALSE(c[0].id.empty());
  EXPECT_FALSE(c[0].pod.has_value());  // --network host
  // An exited one, and one created but not connected yet.
  std::vector<DockerContainer> other = Listed("containers-created-exited.json");
  ASSERT_EQ(other.size(), 2u);
  EXPECT_FALSE(other[0].pod.has_value());
  EXPECT_FALSE(other[1].pod.has_value());
}

TEST(DockerObjectsTest, JoiningContainer_AddressFromTheNetwork) {
  // At its network's "connect" event, a starting container is listed
  // without an address; the network's endpoint list has it.
  const std::string id =
      "92eaeac1f63b5ca5aa82984481322114620a7b6e9c8ed3568b63f09799cf7486";
  auto ips = ParseNetworkEndpoint(Fixture("network-bridge.json"), id);
  ASSERT_TRUE(ips.ok()) << ips.status();
  EXPECT_THAT(*ips, ElementsAre("172.17.0.2"));
  auto none = ParseNetworkEndpoint(Fixture("network-bridge.json"), "nope");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  std::vector<DockerContainer> c =
      Listed("containers-created-exited.json", {"172.17.0.9"});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_FALSE(c[0].pod.has_value());  // Exited: an address changes nothing.
  ASSERT_TRUE(c[1].pod.has_value());   // Created, joining.
  EXPECT_EQ(c[1].pod->metadata.name, "fresh");
  EXPECT_THAT(c[1].pod->status.pod_ips, ElementsAre("172.17.0.9"));
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
  // A network event names the container in its attributes, not its actor.
  EXPECT_EQ(events[4].type, "network");
  EXPECT_EQ(events[4].action, "disconnect");
  EXPECT_EQ(events[4].container_id.substr(0, 12), "92eaeac1f63b");
  EXPECT_EQ(events[4].network_id.substr(0, 12), "8a2410663d52");
  EXPECT_EQ(events[9].container_id.substr(0, 12), "2594ef1402d0");
  EXPECT_THAT(ParseDockerEvent("not json").status().message(),
              HasSubstr("docker event"));
}

// networks.json: GET /networks as dockerd 20.10 answers it (the ids and
// times shortened by hand), host, default bridge, a dual-stack user bridge.
TEST(DockerObjectsTest, Networks_BridgeSubnetsOnly) {
  auto subnets = ParseBridgeSubnets(Fixture("networks.json"));
  ASSERT_TRUE(subnets.ok()) << subnets.status();
  EXPECT_THAT(*subnets,
              ElementsAre("10.123.0.0/24", "172.17.0.0/16", "fd00:123::/64"));
  EXPECT_FALSE(ParseBridgeSubnets("{}").ok());
}

}  // namespace
}  // namespace podwall::sources
