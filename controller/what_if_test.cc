// What-if replays recorded connections against the cluster and a proposal;
// the cluster dump round-trips through the manifest decoder.

#include "controller/what_if.h"

#include "controller/cluster_dump.h"
#include "controller/state_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/manifest.h"

namespace podwall::controller {
namespace {

using ::testing::HasSubstr;

constexpr char kCluster[] = R"(
apiVersion: v1
kind: Namespace
metadata: {name: x, labels: {team: blue}}
---
apiVersion: v1
kind: Namespace
metadata: {name: y}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: web, pod-template-hash: 7f9c}}
spec:
  nodeName: n1
  containers: [{name: c, ports: [{name: http, containerPort: 80}]}]
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: db}}
spec: {nodeName: n1}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: x, labels: {app: web, tier: canary}}
spec: {nodeName: n2}
status: {podIP: 10.0.0.3}
---
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: y, labels: {app: client}}
spec: {nodeName: n2}
status: {podIP: 10.0.1.4}
)";

constexpr char kOnlyFromDb[] = R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-in, namespace: x}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 80}]
)";

void Load(const std::string& yaml, ClusterState& state) {
  auto set = schema::ParseManifests(yaml, "test.yaml");
  ASSERT_TRUE(set.ok()) << set.status();
  LoadIntoState(*set, state);
}

RecordedConnection Conn(const char* src_pod, const char* src,
                        const char* dst_pod, const char* dst, uint16_t port,
                        const char* verdict = "allow") {
  RecordedConnection c;
  c.src_pod = src_pod;
  c.dst_pod = dst_pod;
  c.src_ip = *schema::IpAddress::Parse(src);
  c.dst_ip = *schema::IpAddress::Parse(dst);
  if (!c.src_pod.empty() || c.src_ip.ToString() == "10.0.0.9")
    c.src_kind = "pod";
  c.port = port;
  c.verdict = verdict;
  c.was_allowed = c.verdict != "deny";
  c.count = 3;
  c.last_seen = "2026-12-07T10:00:00Z";
  return c;
}

std::vector<RecordedConnection> Recorded() {
  auto ext = Conn("", "203.0.113.9", "x/a", "10.0.0.1", 80);
  ext.src_kind = "external";
  return {Conn("x/b", "10.0.0.2", "x/a", "10.0.0.1", 80),
          Conn("y/d", "10.0.1.4", "x/a", "10.0.0.1", 80),
          Conn("x/a", "10.0.0.1", "x/b", "10.0.0.2", 5432), ext};
}

TEST(WhatIfTest, ProposedIngressPolicy_BreaksExactlyTheOtherClients) {
  ClusterState now, proposed;
  Load(kCluster, now);
  Load(kCluster, proposed);
  Load(kOnlyFromDb, proposed);
  WhatIfResult r = ReplayConnections(now, proposed, Recorded(), {"x/a-in"});
  EXPECT_EQ(r.replayed, 4u);
  ASSERT_EQ(r.breaks.size(), 2u);
  EXPECT_EQ(r.breaks[0].connection.Name(), "y/d -> x/a 80/TCP");
  EXPECT_EQ(r.breaks[1].connection.Name(), "203.0.113.9 -> x/a 80/TCP");
  EXPECT_EQ(r.breaks[0].responsible, "NetworkPolicy x/a-in");
  EXPECT_TRUE(r.allows.empty());
  EXPECT_TRUE(Breaks(r));
  const std::string text = WhatIfToText(r);
  EXPECT_THAT(
      text,
      HasSubstr("WOULD BREAK (allowed now, denied with the proposal): 2"));
  EXPECT_THAT(text,
              HasSubstr("NetworkPolicy x/a-in: 2 connection(s), 6 recorded"));
  EXPECT_THAT(WhatIfToJson(r), HasSubstr(R"("policy":"NetworkPolicy x/a-in")"));

  // Deleting it again (the proposal is today's cluster): the reverse.
  WhatIfResult back = ReplayConnections(proposed, now, Recorded());
  EXPECT_TRUE(back.breaks.empty());
  ASSERT_EQ(back.allows.size(), 2u);
  EXPECT_EQ(back.allows[0].responsible, "no policy isolates x/a");
}

// A proposed Admin ClusterNetworkPolicy: what its Deny breaks is grouped
// under it, whatever the namespaces' own policies say.
TEST(WhatIfTest, ProposedAdminDeny_NamedWithItsTier) {
  ClusterState now, proposed;
  Load(kCluster, now);
  Load(kCluster, proposed);
  Load(R"(
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: no-y-to-x}
spec:
  tier: Admin
  priority: 5
  subject:
    namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}
  ingress:
  - name: not-from-y
    action: Deny
    from:
    - namespaces: {matchLabels: {kubernetes.io/metadata.name: y}}
)",
       proposed);
  WhatIfResult r = ReplayConnections(now, proposed, Recorded(), {"no-y-to-x"});
  ASSERT_EQ(r.breaks.size(), 1u);
  EXPECT_EQ(r.breaks[0].connection.Name(), "y/d -> x/a 80/TCP");
  EXPECT_EQ(r.breaks[0].responsible, "ClusterNetworkPolicy no-y-to-x (Admin)");
}

TEST(WhatIfTest, NoChange_NothingReported) {
  ClusterState now, same;
  Load(kCluster, now);
  Load(kCluster, same);
  WhatIfResult r = ReplayConnections(now, same, Recorded());
  EXPECT_FALSE(Breaks(r));
  EXPECT_THAT(WhatIfToText(r), HasSubstr("no verdict changes"));
}

TEST(WhatIfTest, PodGoneFromTheCluster_JudgedByItsAddress) {
  ClusterState now, proposed;
  Load(kCluster, now);
  Load(kCluster, proposed);
  Load(kOnlyFromDb, proposed);
  // A pod the cluster no longer has: judged as its bare address.
  WhatIfResult r = ReplayConnections(
      now, proposed, {Conn("x/gone", "10.0.0.77", "x/a", "10.0.0.1", 80)});
  ASSERT_EQ(r.breaks.size(), 1u);
}

TEST(ClusterDumpTest, RoundTripsThroughTheDecoder) {
  ClusterState state;
  Load(kCluster, state);
  Load(kOnlyFromDb, state);
  const std::string json = ClusterStateToJsonList(state);
  ClusterState again;
  Load(json, again);
  EXPECT_EQ(again.workloads().size(), state.workloads().size());
  for (const auto& [key, w] : state.workloads()) {
    const Workload* other = again.FindWorkload(key);
    ASSERT_NE(other, nullptr) << key;
    EXPECT_EQ(other->labels, w.labels);
    EXPECT_EQ(other->addresses, w.addresses);
    EXPECT_EQ(other->named_ports, w.named_ports);
    EXPECT_EQ(other->eligible, w.eligible);
  }
  EXPECT_EQ(again.policies(), state.policies());
  EXPECT_EQ(again.NamespaceLabels("x"), state.NamespaceLabels("x"));
}

}  // namespace
}  // namespace podwall::controller
