// POST /v1/trace over fakes: the kernel seam (armed target, queued trace
// events, rule handles), fake time, the agent over a fake nftables backend.

#include "enforcer/daemon/trace_service.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <unistd.h>

#include <map>

#include "enforcer/daemon/fake_timers.h"
#include "enforcer/links/fake_interface_discovery.h"
#include "enforcer/nft/fake_backend.h"
#include "enforcer/trace/fake_trace_kernel.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/manifest.h"

namespace podwall::daemon {
namespace {

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
metadata: {name: c, namespace: x, labels: {app: other}}
spec: {nodeName: node-2}
status: {podIP: 10.0.2.1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: x}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 80}]
)";

class FakeWriter : public StreamWriter {
 public:
  bool Send(int, std::string_view) override { return true; }
  void Finish(int connection, std::string_view data) override {
    finished[connection] = std::string(data);
  }
  void FlushStreams() override {}
  std::map<int, std::string> finished;
};

class TraceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NodeAgentOptions options;
    options.node_name = "node-1";
    options.scheduling.min_interval = std::chrono::milliseconds(10);
    agent_ = std::make_unique<NodeAgent>(options, timers_, backend_, discovery_,
                                         Logger(log_fd_), metrics_);
    discovery_.links() = {{Ip("10.0.1.1"), "veth-a"},
                          {Ip("10.0.1.2"), "veth-b"}};
    auto set = schema::ParseManifests(kCluster, "test.yaml");
    ASSERT_TRUE(set.ok()) << set.status();
    for (const schema::SourcedObject& o : set->objects) {
      agent_->sink().Apply({controller::ObjectChange::Type::kUpsert, o.object});
    }
    agent_->FinishStart();
    timers_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(agent_->sync_state().synced);

    TraceService::Seams seams;
    seams.kernel = &kernel_;
    seams.watch = [this](int fd, std::function<void()> fn) {
      watched_[fd] = std::move(fn);
      return absl::OkStatus();
    };
    seams.unwatch = [this](int fd) { watched_.erase(fd); };
    seams.open_netns = [this](const std::string& device) {
      netns_asked_ = device;
      return absl::StatusOr<netlink::UniqueFd>(
          netlink::UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC)));
    };
    seams.start_probe = [this](int, const trace::TraceTarget& t) {
      probed_ = t;
      return absl::StatusOr<netlink::UniqueFd>(
          netlink::UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC)));
    };
    seams.probe_outcome = [](int, ir::Protocol) { return "connected"; };
    service_ = std::make_unique<TraceService>(*agent_, timers_, writer_,
                                              std::move(seams), log_);
  }
  void TearDown() override { close(log_fd_); }

  HttpResponse Post(const std::string& body, const std::string& peer = "",
                    int connection = 7) {
    HttpRequest req;
    req.method = "POST";
    req.path = "/v1/trace";
    req.body = body;
    req.peer = peer;
    req.connection = connection;
    return service_->Handle(req);
  }
  // The kernel reports events: the loop calls the watch.
  void Deliver(std::vector<trace::TraceEvent> events) {
    for (auto& e : events) kernel_.Queue(std::move(e));
    ASSERT_EQ(watched_.size(), 1u);
    watched_.begin()->second();
  }
  static trace::TraceEvent Event(const std::string& chain,
                                 trace::TraceEvent::Type type, int32_t verdict,
                                 uint64_t handle = 0) {
    trace::TraceEvent e;
    e.id = 42;
    e.family = NFPROTO_INET;
    e.table = "podwall";
    e.chain = chain;
    e.type = type;
    e.verdict = verdict;
    e.handle = handle;
    return e;
  }

  FakeTimers timers_;
  nft::FakeBackend backend_;
  links::FakeInterfaceDiscovery discovery_;
  MetricsRegistry metrics_;
  int log_fd_ = open("/dev/null", O_WRONLY | O_CLOEXEC);
  Logger log_{log_fd_};
  std::unique_ptr<NodeAgent> agent_;
  trace::FakeTraceKernel kernel_;
  FakeWriter writer_;
  std::map<int, std::function<void()>> watched_;
  std::string netns_asked_;
  std::optional<trace::TraceTarget> probed_;
  std::unique_ptr<TraceService> service_;
};

constexpr auto kRule = trace::TraceEvent::Type::kRule;
constexpr auto kPolicy = trace::TraceEvent::Type::kPolicy;

TEST_F(TraceServiceTest, ProbedAllowedConnection_PathNamesThePolicyAndAgrees) {
  HttpResponse r =
      Post(R"({"from":"x/b","to":"x/a","port":"80/tcp","probe":true})");
  ASSERT_TRUE(r.stream) << r.body;
  ASSERT_TRUE(kernel_.armed().has_value());
  EXPECT_EQ(kernel_.armed()->sources,
            std::vector<schema::IpAddress>{Ip("10.0.1.2")});
  EXPECT_EQ(kernel_.armed()->dst, Ip("10.0.1.1"));
  EXPECT_EQ(kernel_.armed()->port, 80);
  EXPECT_EQ(kernel_.armed()->source_devices,
            std::vector<std::string>{"veth-b"});
  EXPECT_EQ(netns_asked_, "veth-b");
  ASSERT_TRUE(probed_.has_value());
  EXPECT_EQ(Post(R"({"from":"x/b","to":"x/a","port":"80"})").status, 409);

  // b's ingress chain in the kernel: its rules' handles in order. The rule
  // at position 1 is the policy's (after `ct state invalid drop`).
  kernel_.handles()[{NFPROTO_INET, "in_x/a"}] = {20, 21, 22, 23};
  trace::TraceEvent first = Event("trace_arm", kPolicy, NF_ACCEPT);
  first.packet =
      trace::PacketTuple{Ip("10.0.1.2"), Ip("10.0.1.1"), 6, 40000, 80};
  trace::TraceEvent guard = Event("guard_veth-b", kPolicy, NF_ACCEPT);
  guard.family = NFPROTO_NETDEV;
  Deliver({first, guard, Event("forward", kRule, NFT_JUMP, 5),
           Event("in_x/a", kRule, NFT_RETURN, 21),
           Event("forward", kPolicy, NF_ACCEPT)});
  EXPECT_TRUE(writer_.finished.empty()) << "waits for the path to be complete";
  timers_.Advance(TraceService::kQuiet);
  ASSERT_EQ(writer_.finished.count(7), 1u);
  const std::string& body = writer_.finished[7];
  EXPECT_THAT(body, HasSubstr(R"("traced":true,"agree":true)"));
  EXPECT_THAT(body, HasSubstr(R"("origin":"NetworkPolicy/x/web/ingress/0")"));
  EXPECT_THAT(body, HasSubstr(R"("probe":"connected")"));
  EXPECT_THAT(body, HasSubstr(R"("origin":"anti-spoofing guard of x/b")"));
  EXPECT_THAT(body, HasSubstr("kernel and model agree"));
  EXPECT_FALSE(kernel_.armed().has_value()) << "disarmed with the answer";
  EXPECT_FALSE(kernel_.listening());
  EXPECT_TRUE(watched_.empty());
  EXPECT_FALSE(service_->active());
}

TEST_F(TraceServiceTest, KernelAllowsWhatTheModelDenies_Disagree) {
  ASSERT_TRUE(Post(R"({"from":"x/a","to":"x/a","port":"81"})").stream);
  trace::TraceEvent first = Event("forward", kRule, NFT_JUMP, 5);
  first.packet = trace::PacketTuple{Ip("10.0.1.1"), Ip("10.0.1.1"), 6, 1, 81};
  Deliver({first, Event("forward", kPolicy, NF_ACCEPT)});
  timers_.Advance(TraceService::kQuiet);
  EXPECT_THAT(writer_.finished[7], HasSubstr(R"("agree":false)"));
  EXPECT_THAT(writer_.finished[7], HasSubstr("DISAGREE"));
}

TEST_F(TraceServiceTest, NoPacketBeforeTheDeadline_SaysSo) {
  ASSERT_TRUE(
      Post(R"({"from":"x/b","to":"x/a","port":"80","waitMs":2000})").stream);
  timers_.Advance(std::chrono::milliseconds(1999));
  EXPECT_TRUE(writer_.finished.empty());
  timers_.Advance(std::chrono::milliseconds(1));
  EXPECT_THAT(writer_.finished[7], HasSubstr(R"("traced":false)"));
  EXPECT_FALSE(kernel_.armed().has_value());
}

TEST_F(TraceServiceTest, ClientHangsUp_Disarmed) {
  ASSERT_TRUE(Post(R"({"from":"x/b","to":"x/a","port":"80"})").stream);
  service_->ConnectionClosed(7);
  EXPECT_FALSE(kernel_.armed().has_value());
  EXPECT_FALSE(service_->active());
  EXPECT_TRUE(Post(R"({"from":"x/b","to":"x/a","port":"80"})", "", 8).stream);
}

TEST_F(TraceServiceTest, RefusedRequests_ArmNothing) {
  EXPECT_EQ(Post(R"({"from":"x/b","to":"x/a","port":"80"})", "uid 1000").status,
            403);
  EXPECT_EQ(Post("not json").status, 400);
  HttpResponse r = Post(R"({"from":"x/nope","to":"x/a","port":"80"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("no such pod"));
  EXPECT_EQ(Post(R"({"from":"x/b","to":"x/a","port":"99999"})").status, 400);
  // c is on another node: its egress is not traced here...
  r = Post(R"({"from":"x/c","to":"x/a","port":"80","probe":true})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("not on this node"));
  EXPECT_EQ(kernel_.arms(), 0);
  // ...but a's ingress is.
  EXPECT_TRUE(Post(R"({"from":"x/c","to":"x/a","port":"80"})").stream);
  EXPECT_TRUE(kernel_.armed()->source_devices.empty());
}

}  // namespace
}  // namespace podwall::daemon
