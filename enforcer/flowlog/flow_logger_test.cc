// FlowLogger's logic with a fake cluster context (the kernel side has its
// own tests with real pods in tests/flowlog).

#include "enforcer/flowlog/flow_logger.h"

#include <netinet/in.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::flowlog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Time = std::chrono::system_clock::time_point;

schema::IpAddress Ip(const char* s) { return *schema::IpAddress::Parse(s); }

class FakeContext : public FlowContext {
 public:
  FlowEndpoint Describe(const schema::IpAddress& ip,
                        uint16_t port) const override {
    FlowEndpoint e;
    e.ip = ip.ToString();
    e.port = port;
    if (e.ip == "10.0.0.1") {
      e.namespace_ = "x";
      e.pod = pod_a_name;
      e.labels = {{"pod", "a"}};
      for (int i = 0; big_labels && i < 4; ++i) {
        e.labels["big-" + std::to_string(i)] = std::string(1000, 'v');
      }
    } else if (e.ip == "10.0.0.2") {
      e.namespace_ = "y";
      e.pod = "b";
    } else {
      e.kind = "external";
    }
    return e;
  }
  std::optional<PolicyRef> RuleByNumber(uint16_t n) const override {
    if (n == 7) {
      return PolicyRef{"NetworkPolicy", "x", "allow-y", "ingress[0]", "", ""};
    }
    if (n == 9) {
      return PolicyRef{"NetworkPolicy", "y", "to-x", "egress[1]", "", ""};
    }
    if (n == 11) {
      return PolicyRef{"ClusterNetworkPolicy", "",      "guard",
                       "ingress[2]",           "Admin", "deny-y"};
    }
    return std::nullopt;
  }
  bool IsLocalEndpoint(const schema::IpAddress& ip) const override {
    return ip.ToString() == "10.0.0.1";
  }
  std::vector<std::string> IsolatingPolicies(const schema::IpAddress&,
                                             bool ingress) const override {
    if (ingress) return {"x/default-deny", "x/allow-y"};
    return {};
  }
  std::string pod_a_name = "a";
  bool big_labels = false;
};

class Collect : public FlowSink {
 public:
  void Emit(const FlowRecord& r) override { records.push_back(r); }
  std::vector<FlowRecord> records;
};

FiveTuple Tuple(uint16_t sport) {
  return {Ip("10.0.0.2"), Ip("10.0.0.1"), IPPROTO_TCP, sport, 80};
}

PacketEvent Packet(const std::string& prefix, uint16_t sport, Time t) {
  PacketEvent e;
  e.prefix = prefix;
  e.tuple = Tuple(sport);
  e.time = t;
  return e;
}

ConntrackEvent New(uint32_t mark, uint32_t id, uint16_t sport, Time t) {
  ConntrackEvent e;
  e.tuple = Tuple(sport);
  e.ct_mark = mark;
  e.ct_id = id;
  e.time = t;
  return e;
}

TEST(FlowLoggerTest, AllowedConnection_NewPerSideThenClosedWithCounts) {
  FakeContext ctx;
  Collect sink;
  FlowLogger logger({"node-1"}, ctx, sink);
  const Time t0 = std::chrono::system_clock::now();
  // Egress rule 9 at the client, ingress rule 7 at the server.
  logger.OnConntrack(New((9u << 16) | 7u, 42, 41234, t0));
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.records[0].direction, "egress");
  EXPECT_EQ(sink.records[0].policy->name, "to-x");
  EXPECT_EQ(sink.records[1].direction, "ingress");
  EXPECT_EQ(sink.records[1].policy->rule, "ingress[0]");
  EXPECT_EQ(sink.records[1].state, "new");
  EXPECT_EQ(FlowRecordJson(sink.records[1]),
            "{\"time\":\"" + FlowTime(t0) +
                "\",\"node\":\"node-1\",\"verdict\":\"allow\","
                "\"direction\":\"ingress\",\"proto\":\"TCP\",\"family\":4,"
                "\"src\":{\"ip\":\"10.0.0.2\",\"port\":41234,\"namespace\":"
                "\"y\",\"pod\":\"b\",\"labels\":{}},\"dst\":{\"ip\":"
                "\"10.0.0.1\",\"port\":80,\"namespace\":\"x\",\"pod\":\"a\","
                "\"labels\":{\"pod\":\"a\"}},\"policy\":{\"kind\":"
                "\"NetworkPolicy\",\"namespace\":\"x\",\"name\":\"allow-y\","
                "\"rule\":\"ingress[0]\"},\"state\":\"new\",\"packets\":0,"
                "\"bytes\":0,\"duration_ms\":0,\"count\":1}");

  // The pod is renamed before the connection ends: the closed record still
  // names the pod as it was.
  ctx.pod_a_name = "renamed";
  ConntrackEvent end;
  end.ended = true;
  end.tuple = Tuple(41234);
  end.ct_mark = (9u << 16) | 7u;
  end.ct_id = 42;
  end.packets = 12;
  end.bytes = 3400;
  end.start_ns = 1'000'000'000;
  end.stop_ns = 1'035'000'000;
  end.time = t0 + std::chrono::milliseconds(35);
  logger.OnConntrack(end);
  ASSERT_EQ(sink.records.size(), 4u);
  const FlowRecord& closed = sink.records[3];
  EXPECT_EQ(closed.state, "closed");
  EXPECT_EQ(closed.packets, 12u);
  EXPECT_EQ(closed.bytes, 3400u);
  EXPECT_EQ(closed.duration_ms, 35u);
  EXPECT_EQ(*closed.dst.pod, "a");
  EXPECT_EQ(logger.stats().tracked, 0u);
}

// A side no policy isolates is marked 0xffff by the forward chain: the
// local pod's side is recorded allowed with no policy, a remote one not.
TEST(FlowLoggerTest, UnisolatedSides_RecordedOnlyWhereLocal) {
  FakeContext ctx;
  Collect sink;
  FlowLogger logger({"node-1"}, ctx, sink);
  // 10.0.0.2 (y/b, on another node) -> 10.0.0.1 (x/a, local).
  logger.OnConntrack(
      New(0xffffffffu, 43, 41235, std::chrono::system_clock::now()));
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.records[0].direction, "ingress");
  EXPECT_EQ(sink.records[0].verdict, "allow");
  EXPECT_FALSE(sink.records[0].policy.has_value());
  EXPECT_THAT(FlowRecordJson(sink.records[0]), HasSubstr("\"policy\":null"));
}

TEST(FlowLoggerTest, Denials_AggregatedPerTupleAndSecond) {
  FakeContext ctx;
  Collect sink;
  FlowLogger logger({"node-1"}, ctx, sink);
  const Time t0 = std::chrono::system_clock::now();
  for (int i = 0; i < 100; ++i) {
    logger.OnPacket(Packet("podwall deny ingress", 5555, t0));
  }
  logger.OnPacket(Packet("podwall deny ingress", 6666, t0));
  logger.Flush(t0 + std::chrono::milliseconds(500));
  EXPECT_TRUE(sink.records.empty()) << "the second is not over";
  logger.Flush(t0 + std::chrono::seconds(1));
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.records[0].count, 100u);
  EXPECT_EQ(sink.records[0].verdict, "deny");
  EXPECT_EQ(sink.records[0].state, "denied");
  EXPECT_THAT(sink.records[0].isolated_by,
              ElementsAre("x/default-deny", "x/allow-y"));
  EXPECT_EQ(sink.records[0].policy->name, "default-deny");
  EXPECT_FALSE(sink.records[0].policy->rule.has_value());
  EXPECT_THAT(FlowRecordJson(sink.records[0]),
              HasSubstr("\"isolated_by\":[\"x/default-deny\",\"x/allow-y\"]"));
  EXPECT_EQ(sink.records[1].count, 1u);
}

// A ClusterNetworkPolicy Deny logs its rule's number: the record names
// that rule, its tier and its name, not the policies that isolate the pod.
TEST(FlowLoggerTest, ClusterPolicyDenial_NamesTheRuleAndTier) {
  FakeContext ctx;
  Collect sink;
  FlowLogger logger({"node-1"}, ctx, sink);
  const Time t0 = std::chrono::system_clock::now();
  logger.OnPacket(Packet("podwall deny ingress #11", 5555, t0));
  logger.Flush(t0 + std::chrono::seconds(1));
  ASSERT_EQ(sink.records.size(), 1u);
  const FlowRecord& r = sink.records[0];
  EXPECT_EQ(r.direction, "ingress");
  ASSERT_TRUE(r.policy.has_value());
  EXPECT_EQ(r.policy->kind, "ClusterNetworkPolicy");
  const std::string json = FlowRecordJson(r);
  EXPECT_THAT(json, HasSubstr(R"("policy":{"kind":"ClusterNetworkPolicy",)"
                              R"("namespace":null,"name":"guard","rule":)"
                              R"("ingress[2]","tier":"Admin","ruleName":)"
                              R"("deny-y"})"));
  auto parsed = ParseFlowRecordJson(json);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->record.policy->tier, "Admin");
  EXPECT_EQ(parsed->record.policy->rule_name, "deny-y");
  FlowFilter by_name;
  by_name.policy = "guard";
  EXPECT_TRUE(by_name.Matches(r));
  by_name.policy = "x/guard";
  EXPECT_FALSE(by_name.Matches(r));
}

TEST(FlowLoggerTest, DenialFlood_BoundedAndLossCounted) {
  FakeContext ctx;
  Collect sink;
  FlowLogger logger({"node-1", 10, 100}, ctx, sink);
  const Time t0 = std::chrono::system_clock::now();
  for (int port = 1; port <= 1000; ++port) {
    logger.OnPacket(
        Packet("podwall deny ingress", static_cast<uint16_t>(port), t0));
  }
  EXPECT_EQ(logger.stats().pending_denials, 100u);
  EXPECT_EQ(logger.stats().lost_denials, 900u);
  logger.Flush(t0, /*all=*/true);
  EXPECT_EQ(sink.records.size(), 100u);
}

TEST(FlowLoggerTest, TrackedConnections_Bounded) {
  FakeContext ctx;
  Collect sink;
  FlowLogger logger({"node-1", 10, 100}, ctx, sink);
  const Time t0 = std::chrono::system_clock::now();
  for (uint32_t id = 1; id <= 25; ++id) {
    logger.OnConntrack(New(7, id, static_cast<uint16_t>(1000 + id), t0));
  }
  EXPECT_EQ(logger.stats().tracked, 10u);
  EXPECT_EQ(logger.stats().lost_tracking, 15u);
}

// Pods with large labels (a namespace owner's choice) make each record
// large: the byte budgets hold whatever the count caps allow, and ended
// connections give their bytes back.
TEST(FlowLoggerTest, ByteBudgets_HoldWithLargeLabels) {
  FakeContext ctx;
  ctx.big_labels = true;
  Collect sink;
  FlowLogger::Options options{"node-1"};
  options.max_tracked_bytes = 256 << 10;
  options.max_pending_bytes = 128 << 10;
  FlowLogger logger(options, ctx, sink);
  const Time t0 = std::chrono::system_clock::now();
  for (uint32_t id = 1; id <= 1000; ++id) {
    logger.OnConntrack(New(7, id, static_cast<uint16_t>(id), t0));
    logger.OnPacket(
        Packet("podwall deny ingress", static_cast<uint16_t>(id), t0));
  }
  const FlowLogger::Stats& st = logger.stats();
  EXPECT_LE(st.tracked_bytes, 256u << 10);
  EXPECT_LT(st.tracked, 100u) << "far fewer than the count cap";
  EXPECT_GT(st.lost_tracking, 900u);
  EXPECT_LE(st.pending_bytes, (128u << 10) + 32768);
  EXPECT_GT(st.lost_denials, 900u);
  // The newest connections are the ones still followed; their ends give
  // the bytes back.
  ConntrackEvent end = New(7, 1000, 1000, t0);
  end.ended = true;
  const std::size_t before = st.tracked_bytes;
  logger.OnConntrack(end);
  EXPECT_LT(logger.stats().tracked_bytes, before);
  EXPECT_EQ(sink.records.back().state, "closed");
  logger.Flush(t0, /*all=*/true);
  EXPECT_EQ(logger.stats().pending_bytes, 0u);
}

TEST(FlowLoggerTest, UnmarkedOrForeignPackets_Ignored) {
  FakeContext ctx;
  Collect sink;
  FlowLogger logger({"node-1"}, ctx, sink);
  logger.OnConntrack(New(0, 1, 1, {}));
  logger.OnPacket(Packet("someone else", 1, {}));
  logger.Flush({}, true);
  EXPECT_TRUE(sink.records.empty());
}

TEST(FlowFilterTest, Filters_MatchEitherSideAndPolicy) {
  FlowRecord r;
  r.verdict = "deny";
  r.proto = "UDP";
  r.src = {"10.0.0.2", 5000, "y", "b", {}, "pod"};
  r.dst = {"10.0.0.1", 53, "x", "a", {}, "pod"};
  r.isolated_by = {"x/default-deny"};
  const auto now = std::chrono::system_clock::now();
  r.time = now;
  auto match = [&](std::map<std::string, std::string> q) {
    auto f = ParseFlowQuery(q, now);
    EXPECT_TRUE(f.ok()) << f.status();
    return f->Matches(r);
  };
  EXPECT_TRUE(match({{"namespace", "x"}}));
  EXPECT_TRUE(match({{"pod", "y/b"}}));
  EXPECT_TRUE(match({{"from", "y/"}, {"to", "10.0.0.1"}}));
  EXPECT_FALSE(match({{"from", "x/a"}}));
  EXPECT_TRUE(match({{"verdict", "deny"}, {"proto", "udp"}, {"port", "53"}}));
  EXPECT_FALSE(match({{"verdict", "allow"}}));
  EXPECT_TRUE(match({{"policy", "x/default-deny"}}));
  EXPECT_FALSE(match({{"policy", "x/other"}}));
  EXPECT_TRUE(match({{"since", "5m"}}));
  EXPECT_FALSE(ParseFlowQuery({{"colour", "red"}}, now).ok());
  EXPECT_FALSE(ParseFlowQuery({{"since", "5 minutes"}}, now).ok());
  EXPECT_EQ(FlowQueryString({{"pod", "x/a"}, {"last", "10"}}),
            "?last=10&pod=x%2Fa");
}

TEST(FlowRecordTest, Json_RoundTripsThroughParse) {
  FlowRecord r;
  r.time = std::chrono::system_clock::now();
  r.node = "n";
  r.verdict = "allow";
  r.direction = "egress";
  r.proto = "TCP";
  r.src = {"10.0.0.2", 5000, "y", "b", {{"app", "web"}}, "pod"};
  r.dst = {"1.1.1.1", 443, std::nullopt, std::nullopt, {}, "external"};
  r.policy = PolicyRef{"NetworkPolicy", "y", "egress", "egress[2]", "", ""};
  r.state = "closed";
  r.packets = 10;
  r.bytes = 999;
  auto parsed = ParseFlowRecordJson(FlowRecordJson(r));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(FlowRecordJson(parsed->record).substr(60),
            FlowRecordJson(r).substr(60));
  EXPECT_EQ(parsed->time_text, FlowTime(r.time));
}

}  // namespace
}  // namespace podwall::flowlog
