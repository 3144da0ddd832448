// The trace's pure logic: which events are the traced packet's, what
// podwall's chains decided on each side, and when the kernel and the model
// (the reference evaluator) agree.

#include "enforcer/trace/trace_report.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/defaults.h"

namespace podwall::trace {
namespace {

using schema::IpAddress;
using ::testing::HasSubstr;

PacketTuple Packet(const char* src, const char* dst, uint16_t dport) {
  return {*IpAddress::Parse(src), *IpAddress::Parse(dst), IPPROTO_TCP, 40000,
          dport};
}

TraceEvent Event(uint32_t id, const std::string& chain, TraceEvent::Type type,
                 int32_t verdict, uint64_t handle = 0,
                 uint16_t family = NFPROTO_INET,
                 const std::string& table = "podwall") {
  TraceEvent e;
  e.id = id;
  e.family = family;
  e.table = table;
  e.chain = chain;
  e.type = type;
  e.verdict = verdict;
  e.handle = handle;
  return e;
}

constexpr auto kRule = TraceEvent::Type::kRule;
constexpr auto kPolicy = TraceEvent::Type::kPolicy;
constexpr auto kReturn = TraceEvent::Type::kReturn;

RuleInfo Describe(const TraceEvent& e) {
  RuleInfo r;
  if (e.handle == 7) r.origin = "NetworkPolicy/x/b-from-a/ingress/0";
  if (e.handle == 9) r.origin = "deny ingress x/b";
  r.position = static_cast<int>(e.handle) - 1;
  return r;
}

TEST(TraceCollectorTest, KeepsOnlyTheFirstMatchingPacketsEvents) {
  TraceMatch match{{*IpAddress::Parse("10.0.0.1")},
                   *IpAddress::Parse("10.0.0.2"),
                   IPPROTO_TCP,
                   80};
  TraceCollector c(match, 3);
  TraceEvent other = Event(1, "forward", kRule, NF_ACCEPT);
  other.packet = Packet("10.0.0.9", "10.0.0.2", 80);
  EXPECT_FALSE(c.Add(other));
  EXPECT_FALSE(c.found());
  TraceEvent first = Event(2, "trace_arm", kPolicy, NF_ACCEPT);
  first.packet = Packet("10.0.0.1", "10.0.0.2", 80);
  EXPECT_TRUE(c.Add(first));
  EXPECT_FALSE(c.Add(Event(1, "forward", kRule, NF_ACCEPT)));
  EXPECT_TRUE(c.Add(Event(2, "forward", kRule, NFT_JUMP)));
  EXPECT_TRUE(c.Add(Event(2, "in_x/b", kRule, NFT_RETURN)));
  EXPECT_TRUE(c.Add(Event(2, "forward", kPolicy, NF_ACCEPT)));  // Over cap.
  EXPECT_EQ(c.events().size(), 3u);
  EXPECT_EQ(c.dropped(), 1u);
}

TEST(TraceCollectorTest, IdReusedByALaterPacket_EndsTheFirstPath) {
  TraceMatch match{{*IpAddress::Parse("10.0.0.1")},
                   *IpAddress::Parse("10.0.0.2"),
                   IPPROTO_TCP,
                   80};
  TraceCollector c(match, 100);
  TraceEvent first = Event(2, "trace_arm", kPolicy, NF_ACCEPT);
  first.packet = Packet("10.0.0.1", "10.0.0.2", 80);
  EXPECT_TRUE(c.Add(first));
  EXPECT_TRUE(c.Add(Event(2, "forward", kRule, NFT_JUMP)));
  TraceEvent again = Event(2, "trace_arm", kPolicy, NF_ACCEPT);
  again.packet = first.packet;
  again.packet->sport = 40001;  // Another SYN, the same skb address.
  EXPECT_FALSE(c.Add(again));
  EXPECT_FALSE(c.Add(Event(2, "forward", kRule, NFT_JUMP)));
  EXPECT_EQ(c.events().size(), 2u);
}

class TraceReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [name, ip] : {std::pair{"a", "10.0.0.1"}, {"b", "10.0.0.2"}}) {
      schema::Pod p;
      p.metadata = {name, "", "x", "", "", {{"pod", name}}};
      p.spec.node_name = "n1";
      p.status.pod_ip = ip;
      state_.UpsertWorkload(controller::WorkloadFromPod(p));
    }
    schema::NetworkPolicy np;
    np.metadata.name = "b-from-a";
    np.metadata.namespace_ = "x";
    np.spec.pod_selector.match_labels = {{"pod", "b"}};
    auto& rule = np.spec.ingress.emplace_back();
    rule.from.push_back({schema::LabelSelector{{{"pod", "a"}}, {}},
                         std::nullopt, std::nullopt});
    rule.ports.push_back({"TCP", schema::PortRef{false, 80, ""}, {}});
    schema::ApplyDefaults(np);
    state_.UpsertPolicy(np);
  }

  TraceReport Report(const char* port, std::vector<TraceEvent> events) {
    TraceReport r;
    auto e = controller::Explain(state_, {"x/a", "x/b", port, std::nullopt});
    EXPECT_TRUE(e.ok()) << e.status();
    r.model = *e;
    r.src_local = r.dst_local = true;
    r.traced = !events.empty();
    r.kernel = JudgePath(events, Describe);
    Conclude(r);
    return r;
  }

  controller::ClusterState state_;
};

// The kernel's forward chain jumps to b's ingress chain, whose rule 7
// (b-from-a) returns: allowed, as the model says.
std::vector<TraceEvent> Allowed() {
  return {Event(5, "guard_veth1", kPolicy, NF_ACCEPT, 0, NFPROTO_NETDEV),
          Event(5, "forward", kRule, NFT_JUMP, 3),
          Event(5, "in_x/b", kRule, NFT_RETURN, 7),
          Event(5, "forward", kPolicy, NF_ACCEPT)};
}

TEST_F(TraceReportTest, AllowedPath_AgreesAndNamesTheRule) {
  TraceReport r = Report("80", Allowed());
  EXPECT_EQ(r.kernel.verdict, KernelPath::Verdict::kAllow);
  EXPECT_TRUE(r.kernel.ingress.seen);
  EXPECT_TRUE(r.kernel.ingress.allowed);
  EXPECT_EQ(r.kernel.ingress.handle, 7u);
  EXPECT_EQ(r.kernel.ingress.origin, "NetworkPolicy/x/b-from-a/ingress/0");
  EXPECT_FALSE(r.kernel.egress.seen);  // a is not isolated for egress.
  EXPECT_TRUE(r.agree);
  const std::string text = ReportToText(r);
  EXPECT_THAT(text, HasSubstr("kernel and model agree"));
  EXPECT_THAT(text, HasSubstr("inet podwall in_x/b: rule #7 (handle 7) -> "
                              "return   [NetworkPolicy/x/b-from-a/ingress/0]"));
  EXPECT_THAT(ReportToJson(r), HasSubstr(R"("agree":true)"));
}

TEST_F(TraceReportTest, DeniedPath_AgreesWhenTheModelDenies) {
  TraceReport r = Report("81", {Event(5, "forward", kRule, NFT_JUMP, 3),
                                Event(5, "in_x/b", kRule, NF_DROP, 9)});
  EXPECT_EQ(r.kernel.verdict, KernelPath::Verdict::kDeny);
  EXPECT_EQ(r.kernel.dropped_in, "inet podwall in_x/b");
  EXPECT_EQ(r.kernel.dropped_origin, "deny ingress x/b");
  EXPECT_FALSE(r.model_allowed);
  EXPECT_TRUE(r.agree) << ReportToText(r);
}

TEST_F(TraceReportTest, KernelAllowsWhatTheModelDenies_Disagrees) {
  // Someone deleted b's deny rule: the chain ends and returns.
  TraceReport r = Report("81", {Event(5, "forward", kRule, NFT_JUMP, 3),
                                Event(5, "in_x/b", kReturn, NFT_CONTINUE),
                                Event(5, "forward", kPolicy, NF_ACCEPT)});
  EXPECT_FALSE(r.agree);
  EXPECT_THAT(ReportToText(r),
              HasSubstr("DISAGREE: verdict: kernel allows, model denies; "
                        "ingress: kernel allows (in_x/b), model denies"));
}

TEST_F(TraceReportTest, IsolatedSideWithoutItsChain_Disagrees) {
  // b is isolated, yet the packet never met an ingress chain of b.
  TraceReport r = Report("81", {Event(5, "forward", kRule, NFT_CONTINUE, 3),
                                Event(5, "forward", kPolicy, NF_ACCEPT)});
  EXPECT_FALSE(r.agree);
  EXPECT_THAT(r.disagreements.back(), HasSubstr("no ingress chain"));
}

TEST_F(TraceReportTest, RemoteDestination_OnlyTheLocalSideCounts) {
  TraceReport r;
  r.model = *controller::Explain(state_, {"x/a", "x/b", "81", std::nullopt});
  r.src_local = true;  // b is on another node: its ingress is not ours.
  r.traced = true;
  r.kernel = JudgePath({Event(5, "forward", kPolicy, NF_ACCEPT)}, Describe);
  Conclude(r);
  EXPECT_TRUE(r.model_allowed);
  EXPECT_TRUE(r.agree);
}

TEST_F(TraceReportTest, NothingTraced_IsNoAgreement) {
  TraceReport r = Report("80", {});
  EXPECT_FALSE(r.agree);
  EXPECT_THAT(ReportToText(r), HasSubstr("no packet of this connection"));
}

TEST_F(TraceReportTest, OtherTablesDropsAreNotedNotJudged) {
  std::vector<TraceEvent> events = Allowed();
  events.insert(events.begin(), Event(5, "DOCKER-USER", kRule, NF_DROP, 2,
                                      NFPROTO_IPV4, "filter"));
  TraceReport r = Report("80", events);
  EXPECT_EQ(r.kernel.other_drops,
            std::vector<std::string>{"ip filter DOCKER-USER"});
  EXPECT_EQ(r.kernel.verdict, KernelPath::Verdict::kAllow);
}

TEST(TraceEventTest, ParsesIpv4AndIpv6Headers) {
  const uint8_t v4[20] = {0x45, 0, 0,  60, 0, 0, 0,  0, 64, IPPROTO_TCP,
                          0,    0, 10, 0,  0, 1, 10, 0, 0,  2};
  const uint8_t tcp[4] = {0x9c, 0x40, 0, 80};
  auto p = ParsePacketHeaders(v4, sizeof(v4), tcp, sizeof(tcp));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, Packet("10.0.0.1", "10.0.0.2", 80));
  uint8_t v6[40] = {0x60};
  v6[6] = IPPROTO_UDP;
  v6[23] = 1;  // ::1
  v6[39] = 2;  // ::2
  p = ParsePacketHeaders(v6, sizeof(v6), tcp, sizeof(tcp));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->src.ToString(), "::1");
  EXPECT_EQ(p->dst.ToString(), "::2");
  EXPECT_EQ(p->l4proto, IPPROTO_UDP);
  EXPECT_FALSE(ParsePacketHeaders(v4, 10, nullptr, 0).has_value());
}

}  // namespace
}  // namespace podwall::trace
