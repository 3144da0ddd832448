// Suggested policies: valid NetworkPolicies that allow exactly the recorded
// connections (replayed, nothing recorded breaks; something unrecorded is
// denied), by stable labels, named ports and ipBlocks.

#include "controller/suggest.h"

#include "controller/state_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/manifest.h"

namespace podwall::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCluster[] = R"(
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Namespace
metadata: {name: y}
---
apiVersion: v1
kind: Pod
metadata: {name: a1, namespace: x, labels: {app: web, pod-template-hash: 7f9c}}
spec:
  nodeName: n1
  containers: [{name: c, ports: [{name: http, containerPort: 80}]}]
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: a2, namespace: x, labels: {app: web, pod-template-hash: 11aa}}
spec:
  nodeName: n1
  containers: [{name: c, ports: [{name: http, containerPort: 80}]}]
status: {podIP: 10.0.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: canary, namespace: x, labels: {app: web, track: canary}}
spec: {nodeName: n1}
status: {podIP: 10.0.0.6}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: db}}
spec: {nodeName: n1}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: y, labels: {app: client}}
spec: {nodeName: n2}
status: {podIP: 10.0.1.4}
)";

void Load(const std::string& yaml, ClusterState& state) {
  auto set = schema::ParseManifests(yaml, "test.yaml");
  ASSERT_TRUE(set.ok()) << set.status() << "\n" << yaml;
  LoadIntoState(*set, state);
}

RecordedConnection Conn(const char* src_pod, const char* src,
                        const char* dst_pod, const char* dst, uint16_t port,
                        ir::Protocol proto = ir::Protocol::kTCP) {
  RecordedConnection c;
  c.src_pod = src_pod;
  c.dst_pod = dst_pod;
  c.src_kind = *src_pod ? "pod" : "external";
  c.dst_kind = *dst_pod ? "pod" : "external";
  c.src_ip = *schema::IpAddress::Parse(src);
  c.dst_ip = *schema::IpAddress::Parse(dst);
  c.protocol = proto;
  c.port = port;
  c.verdict = "allow";
  c.was_allowed = true;
  c.count = 1;
  return c;
}

std::vector<RecordedConnection> Recorded() {
  return {Conn("y/d", "10.0.1.4", "x/a1", "10.0.0.1", 80),
          Conn("x/a2", "10.0.0.5", "x/b", "10.0.0.2", 5432),
          Conn("x/b", "10.0.0.2", "", "198.51.100.7", 53, ir::Protocol::kUDP),
          Conn("", "203.0.113.9", "x/canary", "10.0.0.6", 8080)};
}

TEST(SuggestTest, Namespace_ValidPoliciesThatKeepExactlyTheRecordedTraffic) {
  ClusterState state;
  Load(kCluster, state);
  auto s = SuggestPolicies(state, Recorded(), {"x", "", "1h"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->policies, 3u);  // web, web canary, db.
  EXPECT_EQ(s->connections, 4u);
  const std::string& yaml = s->yaml;
  EXPECT_THAT(yaml, HasSubstr("since 1h"));
  EXPECT_THAT(yaml, Not(HasSubstr("pod-template-hash")));
  // web's selector leaves the canary out; the port has its name.
  EXPECT_THAT(yaml, HasSubstr("- {key: \"track\", operator: DoesNotExist}"));
  EXPECT_THAT(yaml, HasSubstr("port: http}"));
  EXPECT_THAT(yaml, HasSubstr("ipBlock: {cidr: \"198.51.100.7/32\"}"));
  EXPECT_THAT(yaml, HasSubstr("\"kubernetes.io/metadata.name\": \"y\""));

  ClusterState after;
  Load(kCluster, after);
  Load(yaml, after);  // Valid: the API server's checks pass.
  EXPECT_EQ(after.policies().size(), 3u);
  WhatIfResult r = ReplayConnections(state, after, Recorded());
  EXPECT_TRUE(r.breaks.empty()) << WhatIfToText(r);
  // What was not recorded is denied now.
  std::vector<RecordedConnection> other = {
      Conn("y/d", "10.0.1.4", "x/b", "10.0.0.2", 5432),
      Conn("x/b", "10.0.0.2", "x/a1", "10.0.0.1", 80),
      Conn("y/d", "10.0.1.4", "x/canary", "10.0.0.6", 8080),
      Conn("x/a1", "10.0.0.1", "x/b", "10.0.0.2", 5433)};
  WhatIfResult unrecorded = ReplayConnections(state, after, other);
  EXPECT_EQ(unrecorded.breaks.size(), other.size()) << WhatIfToText(unrecorded);
  // Another replica of web (a1, no traffic recorded) may do what a2 did.
  WhatIfResult replica = ReplayConnections(
      state, after, {Conn("x/a1", "10.0.0.1", "x/b", "10.0.0.2", 5432)});
  EXPECT_TRUE(replica.breaks.empty());
}

TEST(SuggestTest, EgressPortsAreNamedAsTheDestinationNamesThem) {
  ClusterState state;
  Load(kCluster, state);
  auto s = SuggestPolicies(state, Recorded(), {"y", "", ""});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(s->yaml, HasSubstr("port: http}"));  // x/a1 names 80 "http".
  EXPECT_THAT(s->yaml, Not(HasSubstr("port: 80}")));
}

TEST(SuggestTest, Pod_OnlyItsWorkload) {
  ClusterState state;
  Load(kCluster, state);
  auto s = SuggestPolicies(state, Recorded(), {"", "x/b", ""});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->policies, 1u);
  EXPECT_THAT(s->yaml, HasSubstr("name: suggested-db"));
  ClusterState after;
  Load(kCluster, after);
  Load(s->yaml, after);
  EXPECT_TRUE(ReplayConnections(state, after, Recorded()).breaks.empty());
}

TEST(SuggestTest, DeniedAndNodeTrafficAreNotAllowed) {
  ClusterState state;
  Load(kCluster, state);
  RecordedConnection denied = Conn("y/d", "10.0.1.4", "x/b", "10.0.0.2", 22);
  denied.verdict = "deny";
  denied.was_allowed = false;
  RecordedConnection host = Conn("", "10.0.0.254", "x/b", "10.0.0.2", 9100);
  host.src_kind = "host";
  auto s = SuggestPolicies(state, {denied, host}, {"x", "", ""});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->connections, 0u);
  EXPECT_THAT(s->yaml, HasSubstr("ingress: []"));
  EXPECT_FALSE(SuggestPolicies(state, {}, {"nope", "", ""}).ok());
  EXPECT_FALSE(SuggestPolicies(state, {}, {"", "x/zz", ""}).ok());
}

TEST(SuggestTest, UnstableLabels) {
  EXPECT_TRUE(IsUnstableLabel("pod-template-hash"));
  EXPECT_TRUE(IsUnstableLabel("controller-revision-hash"));
  EXPECT_FALSE(IsUnstableLabel("app"));
}

}  // namespace
}  // namespace podwall::controller
