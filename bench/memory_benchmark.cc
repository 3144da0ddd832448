// podwalld's memory by what holds it, measured as heap in use (glibc's
// mallinfo2) before and after filling each part: per 10,000 flow records
// in the ring, per 10,000 connections followed until their end, and per
// 10,000 pods of the shared generated cluster (its state and compiled
// policy; policies scale with pods, one per five), and per 10,000 rules of
// one large NetworkPolicy, stage by stage (the object, the cluster state's
// copy, the compiler, the rendered ruleset). Prints a table and one JSON
// line; not a test. docs/resources.md explains the budgets these
// figures are held to.

#include <malloc.h>
#include <netinet/in.h>

#include <cstdio>
#include <string>

#include "bench/cluster_generator.h"
#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "enforcer/flowlog/flow_logger.h"
#include "enforcer/flowlog/flow_outputs.h"
#include "enforcer/nft/renderer.h"

namespace podwall::bench {
namespace {

double HeapMb() {
  return static_cast<double>(mallinfo2().uordblks) / (1 << 20);
}

// Endpoints as a cluster's pods look: a namespace, a generated name and
// five labels of ordinary length.
class TypicalContext : public flowlog::FlowContext {
 public:
  flowlog::FlowEndpoint Describe(const schema::IpAddress& ip,
                                 uint16_t port) const override {
    flowlog::FlowEndpoint e;
    e.ip = ip.ToString();
    e.port = port;
    e.namespace_ = "shop-frontend";
    e.pod = "checkout-7d9f8c6b5-x2kqp";
    e.labels = {{"app", "checkout"},
                {"app.kubernetes.io/part-of", "shop"},
                {"pod-template-hash", "7d9f8c6b5"},
                {"tier", "frontend"},
                {"version", "v2.14.1"}};
    return e;
  }
  std::optional<flowlog::PolicyRef> RuleByNumber(uint16_t) const override {
    return flowlog::PolicyRef{"NetworkPolicy",
                              "shop-frontend",
                              "allow-from-gateway",
                              "ingress[0]",
                              "",
                              ""};
  }
  bool IsLocalEndpoint(const schema::IpAddress&) const override { return true; }
  std::vector<std::string> IsolatingPolicies(const schema::IpAddress&,
                                             bool) const override {
    return {"shop-frontend/default-deny"};
  }
};

class Discard : public flowlog::FlowSink {
 public:
  void Emit(const flowlog::FlowRecord&) override {}
};

flowlog::ConntrackEvent NewConnection(uint32_t id) {
  flowlog::ConntrackEvent e;
  e.tuple = {*schema::IpAddress::Parse("10.1.2.3"),
             *schema::IpAddress::Parse("10.4.5.6"), IPPROTO_TCP,
             static_cast<uint16_t>(1024 + id % 60000), 8080};
  e.ct_mark = (7u << 16) | 9u;
  e.ct_id = id;
  return e;
}

int Main(int argc, char** argv) {
  constexpr int kTenThousand = 10000;
  TypicalContext context;
  Discard discard;

  // The ring: records as the pipeline makes them, with their JSON line.
  double before = HeapMb();
  flowlog::FlowRing ring(1 << 30, std::size_t{1} << 40);
  {
    flowlog::FlowLogger maker({"node-0"}, context, discard);
    for (int i = 0; i < kTenThousand; ++i) {
      flowlog::FlowRecord r;
      r.node = "node-0";
      r.verdict = "allow";
      r.direction = "ingress";
      r.proto = "TCP";
      r.state = "new";
      r.src = context.Describe(*schema::IpAddress::Parse("10.1.2.3"), 40000);
      r.dst = context.Describe(*schema::IpAddress::Parse("10.4.5.6"), 8080);
      r.policy = context.RuleByNumber(7);
      std::string json = flowlog::FlowRecordJson(r);
      ring.Add(std::move(r), std::move(json));
    }
  }
  const double ring_mb = HeapMb() - before;

  // The tracker: connections followed until their end.
  before = HeapMb();
  flowlog::FlowLogger logger({"node-0"}, context, discard);
  for (uint32_t id = 1; id <= kTenThousand; ++id) {
    logger.OnConntrack(NewConnection(id));
  }
  const double tracked_mb = HeapMb() - before;

  // The cluster: state and compiled policy.
  const ClusterShape shape = ShapeFromArgs(argc, argv);
  before = HeapMb();
  double cluster_mb = 0;
  {
    const GeneratedCluster cluster = GenerateCluster(shape);
    const double generated = HeapMb();
    controller::ClusterState state;
    LoadCluster(cluster, state);
    controller::Compiler compiler("node-0");
    compiler.Rebuild(state);
    (void)compiler.TakeDelta();
    cluster_mb = HeapMb() - generated;
  }
  const double per_10k_pods = cluster_mb * kTenThousand / shape.pods;

  // One policy of 10,000 rules (x/c to one port each) on a node with x/a
  // and x/c: what each stage holds.
  double object_mb = 0, state_mb = 0, compiled_mb = 0, rendered_mb = 0;
  {
    before = HeapMb();
    schema::NetworkPolicy big;
    big.metadata.namespace_ = "x";
    big.metadata.name = "huge";
    big.spec.pod_selector.match_labels = {{"pod", "a"}};
    big.spec.policy_types = {"Ingress"};
    for (int i = 0; i < kTenThousand; ++i) {
      schema::NetworkPolicyIngressRule rule;
      schema::NetworkPolicyPeer peer;
      peer.pod_selector = schema::LabelSelector{};
      peer.pod_selector->match_labels = {{"pod", "c"}};
      rule.from.push_back(std::move(peer));
      schema::NetworkPolicyPort port;
      port.protocol = "TCP";
      port.port = schema::PortRef{false, 1000 + i, ""};
      rule.ports.push_back(std::move(port));
      big.spec.ingress.push_back(std::move(rule));
    }
    object_mb = HeapMb() - before;
    before = HeapMb();
    controller::ClusterState state;
    schema::Namespace x;
    x.metadata.name = "x";
    state.UpsertNamespace(x);
    for (const char* name : {"a", "c"}) {
      schema::Pod pod;
      pod.metadata.namespace_ = "x";
      pod.metadata.name = name;
      pod.metadata.labels = {{"pod", name}};
      pod.spec.node_name = "node-0";
      pod.status.phase = "Running";
      pod.status.pod_ip = name[0] == 'a' ? "10.0.0.1" : "10.0.0.3";
      pod.status.pod_ips = {pod.status.pod_ip};
      state.UpsertWorkload(controller::WorkloadFromPod(pod));
    }
    state.UpsertPolicy(big);
    state_mb = HeapMb() - before;
    before = HeapMb();
    controller::Compiler compiler("node-0");
    compiler.Rebuild(state);
    (void)compiler.TakeDelta();
    compiled_mb = HeapMb() - before;
    const ir::NodePolicy snapshot = compiler.Snapshot();
    before = HeapMb();
    const nft::Ruleset ruleset = nft::RenderRuleset(snapshot);
    rendered_mb = HeapMb() - before;
  }

  std::printf("%-52s %10s\n", "heap in use", "MB");
  std::printf("%-52s %10.1f  (ring budget 48 MB: ~%.0fk records)\n",
              "10,000 flow records in the ring", ring_mb, 48 / ring_mb * 10);
  std::printf("%-52s %10.1f  (tracker budget 64 MB: ~%.0fk connections)\n",
              "10,000 connections followed to their end", tracked_mb,
              64 / tracked_mb * 10);
  std::printf("%-52s %10.1f  (%d pods, %d policies: %.1f MB)\n",
              "per 10,000 pods (cluster state + compiled policy)", per_10k_pods,
              shape.pods, shape.policies, cluster_mb);
  std::printf(
      "per 10,000 rules of one NetworkPolicy: the object %.1f, the "
      "cluster state's copy %.1f, compiled %.1f, rendered %.1f MB\n",
      object_mb, state_mb, compiled_mb, rendered_mb);
  std::printf(
      "{\"memory_per_10k_flow_records_mb\":%.1f,"
      "\"memory_per_10k_tracked_mb\":%.1f,"
      "\"memory_per_10k_pods_mb\":%.1f,"
      "\"memory_per_10k_rules_mb\":%.1f}\n",
      ring_mb, tracked_mb, per_10k_pods,
      object_mb + state_mb + compiled_mb + rendered_mb);
  return 0;
}

}  // namespace
}  // namespace podwall::bench

int main(int argc, char** argv) { return podwall::bench::Main(argc, argv); }
