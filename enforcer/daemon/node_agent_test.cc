// The daemon's enforcement core over fakes: a fake kernel, fake time, a
// fake view of the host's interfaces. No root, no sleeps.

#include "enforcer/daemon/node_agent.h"

#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "enforcer/conntrack/fake_conntrack_table.h"
#include "enforcer/daemon/control_api.h"
#include "enforcer/daemon/fake_timers.h"
#include "enforcer/daemon/status_report.h"
#include "enforcer/links/fake_interface_discovery.h"
#include "enforcer/nft/fake_backend.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/manifest.h"

namespace podwall::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

schema::IpAddress Ip(const char* s) { return *schema::IpAddress::Parse(s); }

constexpr char kCluster[] = R"(
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: web}}
spec: {nodeName: node-1}
status: {podIP: 10.0.1.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: db}}
spec: {nodeName: node-1}
status: {podIP: 10.0.1.2}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: x, labels: {app: web}}
spec: {nodeName: node-2}
status: {podIP: 10.0.2.1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: x}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {}}]
    ports: [{port: 80}]
  - from: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]
  - from: [{namespaceSelector: {}}]
    ports: [{port: 9090}]
)";

std::string Pod(const std::string& name, const std::string& ip,
                const std::string& node = "node-1") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         ", namespace: x, labels: {app: web}}\nspec: {nodeName: " + node +
         "}\nstatus: {podIP: " + ip + "}\n";
}

class NodeAgentTest : public ::testing::Test {
 protected:
  NodeAgent& Make(uint16_t rule_numbers = sync::RuleNumbers::kMaxCapacity) {
    NodeAgentOptions options;
    options.node_name = "node-1";
    options.scheduling.min_interval = milliseconds(10);
    options.scheduling.verify_interval = seconds(60);
    options.flow_log = nft::FlowLogOptions();
    options.rule_number_capacity = rule_numbers;
    options.cut_established = cut_established_;
    options.audit = audit_;
    agent_ = std::make_unique<NodeAgent>(options, timers_, kernel_, discovery_,
                                         Logger(log_fd_), metrics_);
    agent_->set_cni_answer(
        [this](int c, const std::string& body) { answers_[c] = body; });
    return *agent_;
  }
  void Feed(const std::string& yaml) {
    auto set = schema::ParseManifests(yaml, "test.yaml");
    ASSERT_TRUE(set.ok()) << set.status();
    for (const schema::SourcedObject& o : set->objects) {
      agent_->sink().Apply({controller::ObjectChange::Type::kUpsert, o.object});
    }
  }
  // The kernel holds exactly what a whole render of the IR gives.
  bool KernelHoldsWholeRender() {
    nft::RenderOptions options;
    options.flow_log = nft::FlowLogOptions();
    options.flow_log->rule_numbers = &agent_->rule_numbers();
    options.guarded_networks = agent_->interfaces().guarded_networks();
    auto holds = kernel_.Holds(
        nft::RenderRuleset(agent_->input().compiler().Snapshot(), options));
    return holds.ok() && *holds;
  }
  double Metric(const std::string& name, const MetricLabels& labels = {}) {
    return metrics_.GetCounter(name, "", labels).value();
  }
  void StartWithCluster() {
    Make();
    discovery_.links() = {{Ip("10.0.1.1"), "veth-a"},
                          {Ip("10.0.1.2"), "veth-b"}};
    Feed(kCluster);
    agent_->FinishStart();
  }

  FakeTimers timers_;
  nft::FakeBackend kernel_;
  links::FakeInterfaceDiscovery discovery_;
  MetricsRegistry metrics_;
  int log_fd_ = open("/dev/null", O_WRONLY | O_CLOEXEC);
  std::unique_ptr<NodeAgent> agent_;
  std::map<int, std::string> answers_;
  bool cut_established_ = true;
  bool audit_ = false;
};

// --established: a tightening removes the open connection it now denies
// (x/b -> x/a:5432, allowed by the policy's second rule until it goes),
// leaves the one still allowed, and says so; keep and audit cut nothing.
class EstablishedTest : public NodeAgentTest,
                        public ::testing::WithParamInterface<int> {};

TEST_P(EstablishedTest, Tightening_CutsOnlyInCutMode) {
  const int mode = GetParam();  // 0 cut, 1 keep, 2 audit.
  cut_established_ = mode != 1;
  audit_ = mode == 2;
  Make();
  conntrack::FakeConntrackTable table;
  auto tcp = [](const char* client, const char* server, uint16_t port,
                uint32_t id) {
    conntrack::TrackedConnection c;
    c.id = id;
    c.orig = {Ip(client), Ip(server), 6, 40000, port};
    c.reply = {Ip(server), Ip(client), 6, port, 40000};
    return c;
  };
  table.Add(tcp("10.0.1.2", "10.0.1.1", 5432, 1));  // Denied after.
  table.Add(tcp("10.0.1.2", "10.0.1.1", 80, 2));    // Still allowed.
  std::vector<uint32_t> cut;
  agent_->SetConntrack(&table, [] { return std::set<schema::IpAddress>{}; });
  agent_->set_on_cut([&](const conntrack::CutConnection& c) {
    cut.push_back(c.connection.id);
  });
  discovery_.links() = {{Ip("10.0.1.1"), "veth-a"}};
  Feed(kCluster);
  agent_->FinishStart();
  ASSERT_TRUE(cut.empty()) << "the first policy allows both";
  Feed(R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: x}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {}}]
    ports: [{port: 80}]
)");
  timers_.Advance(milliseconds(20));
  ASSERT_EQ(agent_->sync_state().generation, 2u);
  if (mode == 0) {
    EXPECT_THAT(cut, ElementsAre(1u));
    ASSERT_EQ(table.connections().size(), 1u);
    EXPECT_EQ(table.connections()[0].id, 2u);
    EXPECT_EQ(agent_->connections_cut(), 1u);
    EXPECT_EQ(Metric("podwall_connections_cut_total"), 1);
    // The server's echo was on its way: the kernel tracks the connection
    // again, backwards (server -> client, which policy allows: x/b is not
    // isolated). The follow-up removes it, once; x/b's own connections
    // elsewhere stay.
    conntrack::TrackedConnection back = tcp("10.0.1.1", "10.0.1.2", 40000, 3);
    back.orig.sport = 5432;
    back.reply.dport = 5432;
    table.Add(back);
    table.Add(tcp("10.0.1.1", "10.0.1.2", 443, 4));
    timers_.Advance(milliseconds(100));
    ASSERT_EQ(table.connections().size(), 2u);
    EXPECT_EQ(table.connections()[0].id, 2u);
    EXPECT_EQ(table.connections()[1].id, 4u);
    EXPECT_EQ(agent_->connections_cut(), 1u) << "the same connection";
  } else {
    EXPECT_TRUE(cut.empty());
    EXPECT_EQ(table.connections().size(), 2u);
    EXPECT_EQ(table.lookups(), 0) << "keep and audit look nothing up";
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, EstablishedTest, ::testing::Values(0, 1, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == 0   ? "Cut"
                                              : info.param == 1 ? "Keep"
                                                                : "Audit");
                         });

TEST_F(NodeAgentTest, Start_InputWaitsForEverySource_ThenOneWholeBatch) {
  Make();
  discovery_.links() = {{Ip("10.0.1.1"), "veth-a"}};
  Feed(kCluster);
  timers_.Advance(seconds(5));
  EXPECT_EQ(kernel_.commits(), 0) << "nothing before every source is synced";
  EXPECT_FALSE(agent_->sync_state().ready);
  agent_->FinishStart();
  EXPECT_EQ(kernel_.commits(), 1);
  EXPECT_EQ(kernel_.last_transaction()[1], "delete table inet podwall")
      << "the first batch replaces whatever was there, whole";
  EXPECT_TRUE(agent_->sync_state().ready);
  EXPECT_EQ(agent_->sync_state().generation, 1u);
  EXPECT_TRUE(KernelHoldsWholeRender());
  EXPECT_EQ(kernel_.Dump().guards.size(), 1u) << "x/a's veth is guarded";
}

TEST_F(NodeAgentTest, Restart_AdoptsTheTableWithoutABatch) {
  StartWithCluster();
  agent_.reset();
  const int commits = kernel_.commits();
  StartWithCluster();
  EXPECT_EQ(kernel_.commits(), commits);
  EXPECT_EQ(agent_->syncer().last_path(), sync::NodeSyncer::Path::kAdopted);
  EXPECT_TRUE(agent_->sync_state().synced);
}

TEST_F(NodeAgentTest, Changes_CoalesceIntoOneBatchAfterTheMinInterval) {
  StartWithCluster();
  const int commits = kernel_.commits();
  Feed(Pod("d", "10.0.2.2", "node-2"));
  Feed(Pod("e", "10.0.2.3", "node-2"));
  Feed(Pod("f", "10.0.2.4", "node-2"));
  EXPECT_EQ(kernel_.commits(), commits) << "not before the min interval";
  timers_.Advance(milliseconds(10));
  EXPECT_EQ(kernel_.commits(), commits + 1);
  EXPECT_EQ(agent_->sync_state().generation, 2u);
  EXPECT_TRUE(agent_->syncer().last_was_patch());
  // Three peer addresses, each joining two sets (pods of x, pods of any
  // namespace): six elements, nothing else.
  EXPECT_EQ(kernel_.last_transaction_size(), 6u);
  EXPECT_TRUE(KernelHoldsWholeRender());
}

TEST_F(NodeAgentTest, KernelRefuses_BackoffThenWholeResync) {
  StartWithCluster();
  kernel_.FailCommits(1, absl::InternalError("acks lost"));
  Feed(Pod("d", "10.0.1.4"));
  timers_.Advance(milliseconds(10));
  EXPECT_FALSE(agent_->sync_state().synced);
  EXPECT_EQ(agent_->sync_state().last_error, "acks lost");
  EXPECT_EQ(Metric("podwall_kernel_errors_total"), 1);
  EXPECT_FALSE(KernelHoldsWholeRender());
  timers_.Advance(milliseconds(99));
  EXPECT_FALSE(agent_->sync_state().synced) << "backing off";
  timers_.Advance(milliseconds(1));
  EXPECT_TRUE(agent_->sync_state().synced);
  EXPECT_EQ(kernel_.last_transaction()[1], "delete table inet podwall")
      << "after a failure the kernel is read back, then replaced whole";
  EXPECT_TRUE(KernelHoldsWholeRender());
  EXPECT_EQ(agent_->sync_state().generation, 2u);
}

TEST_F(NodeAgentTest, Drift_RepairedAtTheVerifyInterval) {
  StartWithCluster();
  kernel_.mutable_tables().chains.at("forward").rules.clear();
  timers_.Advance(seconds(59));
  EXPECT_FALSE(KernelHoldsWholeRender());
  timers_.Advance(seconds(1));
  EXPECT_TRUE(KernelHoldsWholeRender());
  EXPECT_EQ(Metric("podwall_drift_repairs_total"), 1);
  timers_.Advance(seconds(60));
  EXPECT_EQ(Metric("podwall_drift_repairs_total"), 1) << "nothing to repair";
}

TEST_F(NodeAgentTest, CniAdd_AnsweredOnceThePodIsInTheKernel) {
  StartWithCluster();
  // The API shows the pod without an address yet; podwall-cni knows it.
  Feed(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: new, namespace: x, "
      "labels: {app: web}}\nspec: {nodeName: node-1}\n");
  CniEndpoints::Endpoint e;
  e.key = "x/new";
  e.container_id = "c1";
  e.interface = "veth-new";
  e.ips = {"10.0.1.9"};
  agent_->CniAdd(9, e);
  EXPECT_TRUE(answers_.empty()) << "not before its sync";
  timers_.Advance(milliseconds(10));
  EXPECT_EQ(answers_[9], "{\"ok\":true,\"generation\":2}\n");
  const nft::Ruleset kernel = kernel_.Dump();
  bool guarded = false;
  for (const nft::SpoofGuard& g : kernel.guards) {
    if (g.device == "veth-new") {
      guarded = true;
      EXPECT_THAT(g.addresses, ElementsAre(Ip("10.0.1.9")));
    }
  }
  EXPECT_TRUE(guarded) << "guarded on the veth podwall-cni reported";
  EXPECT_TRUE(KernelHoldsWholeRender());
  // DEL withdraws the addresses again.
  agent_->CniDelete("x/new", "c1");
  timers_.Advance(milliseconds(10));
  EXPECT_FALSE(agent_->input().compiler().FindEndpoint("x/new"));
}

// A pod the sources bring after the start, whose veth already exists (no
// link event follows): it is guarded at once, not at the next periodic
// discovery.
TEST_F(NodeAgentTest, PodArrivesAfterItsVeth_GuardedWithoutALinkEvent) {
  StartWithCluster();
  timers_.Advance(milliseconds(10));
  discovery_.links()[Ip("10.0.1.7")] = "veth-late";
  Feed(Pod("late", "10.0.1.7"));
  timers_.Advance(milliseconds(100));
  bool guarded = false;
  for (const nft::SpoofGuard& g : kernel_.Dump().guards) {
    guarded |= g.device == "veth-late";
  }
  EXPECT_TRUE(guarded);
  EXPECT_TRUE(KernelHoldsWholeRender());
}

// br_netfilter off and not settable: the rules are applied but bridged
// pods would bypass them, so the node says it does not enforce.
TEST_F(NodeAgentTest, BridgedPodsUnfiltered_NotReady_SaysWhy) {
  discovery_.set_bridge_problem("br_netfilter is not loaded");
  StartWithCluster();
  timers_.Advance(milliseconds(10));
  EXPECT_THAT(discovery_.last_devices(), ElementsAre("veth-a", "veth-b"));
  EXPECT_EQ(agent_->interfaces().bridge_filtering_problem(),
            "br_netfilter is not loaded");
  agent_->UpdateGauges();
  EXPECT_EQ(metrics_.GetGauge("podwall_bridge_filtering_problem", "").value(),
            1);
  // Fixed by hand: the next discovery sees it.
  discovery_.set_bridge_problem("");
  agent_->RefreshInterfacesSoon();
  timers_.Advance(milliseconds(100));
  EXPECT_EQ(agent_->interfaces().bridge_filtering_problem(), "");
}

// A recreated sandbox: the API still shows the old address, the new one
// comes from podwall-cni. ADD is answered only once the new address is
// enforced as the pod's own.
TEST_F(NodeAgentTest, CniAdd_RecreatedSandbox_NewAddressEnforcedBeforeOk) {
  StartWithCluster();
  timers_.Advance(milliseconds(10));
  CniEndpoints::Endpoint e;
  e.key = "x/a";
  e.container_id = "sandbox-2";
  e.interface = "veth-a2";
  e.ips = {"10.0.1.50"};
  agent_->CniAdd(9, e);
  timers_.Advance(milliseconds(10));
  EXPECT_THAT(answers_[9], HasSubstr("\"ok\":true"));
  const ir::Endpoint* a = agent_->input().compiler().FindEndpoint("x/a");
  ASSERT_NE(a, nullptr);
  EXPECT_THAT(a->addresses, ::testing::Contains(Ip("10.0.1.50")));
  EXPECT_THAT(a->interfaces, ::testing::Contains("veth-a2"));
  EXPECT_TRUE(KernelHoldsWholeRender());
}

TEST_F(NodeAgentTest, CniAdd_UnknownPod_AnsweredAtItsDeadlineWithTheReason) {
  StartWithCluster();
  CniEndpoints::Endpoint e;
  e.key = "x/ghost";
  e.ips = {"10.0.1.66"};
  e.timeout_seconds = 3;
  agent_->CniAdd(5, e);
  timers_.Advance(milliseconds(2999));
  EXPECT_TRUE(answers_.empty());
  timers_.Advance(milliseconds(1));
  EXPECT_THAT(answers_[5], HasSubstr("no source has reported pod x/ghost"));
  EXPECT_EQ(agent_->cni_waiting(), 0u);
}

TEST_F(NodeAgentTest, CniAdd_ConnectionClosed_NoAnswer) {
  StartWithCluster();
  CniEndpoints::Endpoint e;
  e.key = "x/a";
  e.ips = {"10.0.1.1"};
  agent_->CniAdd(6, e);
  agent_->ConnectionClosed(6);
  timers_.Advance(seconds(30));
  EXPECT_TRUE(answers_.empty());
}

// More distinct rules than connection-mark numbers: the node keeps
// enforcing, and says so. (With a numbering that never freed numbers, the
// 65,536th rule ID made the daemon spin forever.)
TEST_F(NodeAgentTest, RuleNumbersExhausted_KeepsSyncing_AndSaysSo) {
  Make(/*rule_numbers=*/1);
  discovery_.links() = {{Ip("10.0.1.1"), "veth-a"}};
  Feed(kCluster);
  agent_->FinishStart();
  EXPECT_TRUE(agent_->sync_state().synced);
  EXPECT_TRUE(KernelHoldsWholeRender());
  EXPECT_EQ(agent_->rule_numbers().unnumbered(), 2u);
  EXPECT_THAT(StatusJson(*agent_, {}), HasSubstr("\"unnumbered_rules\":2"));
  agent_->UpdateGauges();
  EXPECT_EQ(metrics_.GetGauge("podwall_unnumbered_rules", "").value(), 2);
  // The policy loses two rules: the third takes the freed number.
  Feed(R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: x}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {}}]
    ports: [{port: 80}]
)");
  timers_.Advance(milliseconds(10));
  EXPECT_EQ(agent_->rule_numbers().unnumbered(), 0u);
  EXPECT_TRUE(KernelHoldsWholeRender());
}

TEST_F(NodeAgentTest, GuardedNetworks_KnownAddressesFollowThePods) {
  StartWithCluster();
  agent_->SetGuardedNetworks({*schema::IpPrefix::Parse("10.0.1.0/24")});
  timers_.Advance(milliseconds(10));
  EXPECT_EQ(agent_->syncer().last_path(), sync::NodeSyncer::Path::kWhole);
  EXPECT_TRUE(KernelHoldsWholeRender());
  Feed(Pod("d", "10.0.1.4"));
  timers_.Advance(milliseconds(10));
  EXPECT_TRUE(agent_->syncer().last_was_patch());
  EXPECT_TRUE(KernelHoldsWholeRender());
}

// Two local pods with one address (issue 16, class 6): every sync still
// succeeds (the kernel refuses two map entries for one address, and a
// batch carrying them failed until the old pod went), the newest pod holds
// the address, and status and metrics say so.
TEST_F(NodeAgentTest, TwoLocalPodsOneAddress_NewestHoldsNodeKeepsSyncing) {
  StartWithCluster();
  Feed(R"(
apiVersion: v1
kind: Pod
metadata: {name: reused, namespace: x, labels: {app: web},
           creationTimestamp: "2026-12-02T10:00:00Z"}
spec: {nodeName: node-1}
status: {podIP: 10.0.1.2}
)");
  timers_.Advance(milliseconds(10));
  EXPECT_TRUE(agent_->sync_state().synced) << agent_->sync_state().last_error;
  EXPECT_TRUE(KernelHoldsWholeRender());
  const ir::Endpoint* holder =
      agent_->input().compiler().FindEndpoint("x/reused");
  ASSERT_NE(holder, nullptr);
  EXPECT_THAT(holder->addresses, ElementsAre(Ip("10.0.1.2")));
  EXPECT_EQ(agent_->input().compiler().FindEndpoint("x/b"), nullptr)
      << "the older pod (no creation time) is not enforced by the address";
  const std::string status = StatusJson(*agent_, {});
  EXPECT_THAT(
      status,
      HasSubstr(
          R"("address_conflicts":[{"address":"10.0.1.2","holder":"x/reused","losers":["x/b"]}])"));
  agent_->UpdateGauges();
  EXPECT_EQ(metrics_.GetGauge("podwall_address_conflicts", "").value(), 1);
  // The newer pod goes: the older one holds its address again.
  agent_->sink().Apply({controller::ObjectChange::Type::kDelete,
                        schema::Pod{{"reused", "", "x", "", "", {}}, {}, {}}});
  timers_.Advance(milliseconds(10));
  EXPECT_TRUE(agent_->sync_state().synced);
  EXPECT_NE(agent_->input().compiler().FindEndpoint("x/b"), nullptr);
  EXPECT_TRUE(KernelHoldsWholeRender());
}

class ControlApiTest : public NodeAgentTest {
 protected:
  HttpResponse Get(const std::string& path,
                   std::map<std::string, std::string> query = {}) {
    HttpRequest req;
    req.method = "GET";
    req.path = path;
    req.query = std::move(query);
    return path == "/metrics" || path == "/readyz" || path == "/healthz"
               ? api_->Metrics(req)
               : api_->Control(req);
  }
  void MakeApi() {
    api_ = std::make_unique<ControlApi>(
        *agent_, metrics_, [this] { return StatusJson(*agent_, {}); },
        ControlApi::Route());
  }
  std::unique_ptr<ControlApi> api_;
};

TEST_F(ControlApiTest, Routes_AnswerFromTheParts) {
  Make();
  MakeApi();
  EXPECT_EQ(Get("/readyz").status, 503);
  EXPECT_EQ(Get("/readyz").body, "starting\n");
  discovery_.links() = {{Ip("10.0.1.1"), "veth-a"}};
  Feed(kCluster);
  agent_->FinishStart();
  EXPECT_EQ(Get("/readyz").status, 200);
  EXPECT_EQ(Get("/healthz").status, 200);
  const HttpResponse status = Get("/v1/status");
  EXPECT_EQ(status.status, 200);
  EXPECT_THAT(status.body, HasSubstr("\"ready\":true,\"synced\":true"));
  EXPECT_THAT(status.body, HasSubstr("\"local_endpoints\":2"));
  EXPECT_THAT(Get("/metrics").body, HasSubstr("podwall_synced 1"));
  EXPECT_THAT(Get("/v1/endpoints", {{"namespace", "x"}, {"name", "a"}}).body,
              HasSubstr("\"ok\":true,\"known\":true"));
  EXPECT_EQ(Get("/v1/flows").status, 503) << "no flow capture";
  EXPECT_EQ(Get("/v1/nothing").status, 404);
  HttpRequest bad;
  bad.method = "POST";
  bad.path = "/v1/endpoints";
  bad.body = "{not json";
  EXPECT_EQ(api_->Control(bad).status, 400);
  // The metrics port, which pods reach, only reads.
  HttpRequest post_metrics;
  post_metrics.method = "POST";
  post_metrics.path = "/metrics";
  EXPECT_EQ(api_->Metrics(post_metrics).status, 405);
  // Failing: /readyz says why.
  kernel_.FailCommits(1, absl::InternalError("acks lost"));
  Feed(Pod("d", "10.0.1.4"));
  timers_.Advance(milliseconds(10));
  EXPECT_EQ(Get("/readyz").status, 503);
  EXPECT_EQ(Get("/readyz").body, "not synced: acks lost\n");
}

TEST_F(ControlApiTest, BridgedPodsUnfiltered_ReadyzAndStatusSayWhy) {
  discovery_.set_bridge_problem("br_netfilter is not loaded");
  StartWithCluster();
  MakeApi();
  timers_.Advance(milliseconds(10));
  EXPECT_EQ(Get("/readyz").status, 503);
  EXPECT_EQ(Get("/readyz").body, "not enforcing: br_netfilter is not loaded\n");
  EXPECT_THAT(
      Get("/v1/status").body,
      HasSubstr("\"enforcement_problems\":[\"br_netfilter is not loaded\"]"));
  EXPECT_THAT(Get("/metrics").body,
              HasSubstr("podwall_bridge_filtering_problem 1"));
}

TEST_F(ControlApiTest, CniAddOverHttp_IsAStreamAnsweredLater) {
  StartWithCluster();
  MakeApi();
  HttpRequest add;
  add.method = "POST";
  add.path = "/v1/endpoints";
  add.connection = 12;
  add.body =
      R"({"namespace":"x","name":"a","containerID":"c","interface":"veth-a",)"
      R"("ips":["10.0.1.1"]})";
  const HttpResponse resp = api_->Control(add);
  EXPECT_TRUE(resp.stream);
  timers_.Advance(milliseconds(10));
  EXPECT_THAT(answers_[12], HasSubstr("\"ok\":true"));
}

}  // namespace
}  // namespace podwall::daemon
