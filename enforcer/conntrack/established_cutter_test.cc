// The established-connection check over a real compiler's IR and a fake
// conntrack table: what a change rechecks, which connections it cuts
// (by their real ends, NAT undone) and which it leaves alone.

#include "enforcer/conntrack/established_cutter.h"

#include <netinet/in.h>

#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "enforcer/conntrack/fake_conntrack_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/defaults.h"

namespace podwall::conntrack {
namespace {

using schema::IpAddress;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

TrackedConnection Tcp(const char* client, const char* server, uint16_t port,
                      uint32_t id, const char* real_server = nullptr,
                      uint16_t real_port = 0) {
  TrackedConnection c;
  c.id = id;
  c.orig = {Ip(client), Ip(server), IPPROTO_TCP, 40000, port};
  c.reply = {Ip(real_server ? real_server : server), Ip(client), IPPROTO_TCP,
             real_port ? real_port : port, 40000};
  return c;
}

class EstablishedCutterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [name, ip] :
         {std::pair{"a", "10.0.0.1"}, {"b", "10.0.0.2"}, {"c", "10.0.0.3"}}) {
      Pod(name, ip, name);
    }
    Policy("b");
    compiler_.Rebuild(state_);
    (void)compiler_.TakeDelta();
  }
  // A running pod x/<name> on this node, labelled pod=<label>.
  void Pod(const std::string& name, const char* ip, const std::string& label) {
    schema::Pod p;
    p.metadata.name = name;
    p.metadata.namespace_ = "x";
    p.metadata.labels = {{"pod", label}};
    p.spec.node_name = "n1";
    p.status.phase = "Running";
    p.status.pod_ip = ip;
    state_.UpsertWorkload(controller::WorkloadFromPod(p));
  }
  // x/a accepts TCP 80 (and `also`) from pods labelled pod=<from>.
  void Policy(const std::string& from, int32_t also = 0) {
    schema::NetworkPolicy np;
    np.metadata.name = "a-in";
    np.metadata.namespace_ = "x";
    np.spec.pod_selector.match_labels = {{"pod", "a"}};
    auto& rule = np.spec.ingress.emplace_back();
    rule.from.push_back({schema::LabelSelector{{{"pod", from}}, {}},
                         std::nullopt, std::nullopt});
    rule.ports.push_back({"TCP", schema::PortRef{false, 80, ""}, {}});
    if (also)
      rule.ports.push_back({"TCP", schema::PortRef{false, also, ""}, {}});
    schema::ApplyDefaults(np);
    state_.UpsertPolicy(np);
  }
  // Applies the change and cuts what it now denies.
  CutReport Change(const std::function<void()>& change) {
    change();
    const ir::NodePolicyDelta delta = compiler_.TakeDelta();
    recheck_ = EndpointsToRecheck(delta, compiler_);
    EstablishedCutter cutter(
        table_, [] { return std::set<IpAddress>{Ip("10.0.0.254")}; });
    return cutter.Cut(compiler_.Snapshot(), recheck_);
  }

  controller::ClusterState state_;
  controller::Compiler compiler_{"n1"};
  FakeConntrackTable table_;
  std::set<std::string> recheck_;
};

TEST_F(EstablishedCutterTest, Tightening_CutsWhatIsNowDeniedOnly) {
  table_.Add(Tcp("10.0.0.2", "10.0.0.1", 80, 1));  // b -> a: now denied.
  table_.Add(Tcp("10.0.0.3", "10.0.0.1", 80, 2));  // c -> a: now allowed.
  table_.Add(Tcp("10.0.0.3", "10.0.0.2", 80, 3));  // c -> b: b is open.
  CutReport r = Change([&] {
    Policy("c");
    compiler_.OnPolicyChanged(state_, "x/a-in");
  });
  EXPECT_THAT(recheck_, ElementsAre("x/a"));
  ASSERT_EQ(r.cut.size(), 1u);
  EXPECT_EQ(r.cut[0].connection.id, 1u);
  EXPECT_EQ(r.cut[0].direction, ir::Direction::kIngress);
  EXPECT_EQ(r.cut[0].endpoint, "x/a");
  EXPECT_EQ(r.cut[0].rule, nullptr);  // The implicit deny ...
  EXPECT_THAT(r.cut[0].policies, ElementsAre("x/a-in"));  // ... of these.
  EXPECT_EQ(table_.connections().size(), 2u);
  EXPECT_EQ(r.examined, 2u);  // Only x/a's connections were looked at.
}

TEST_F(EstablishedCutterTest, Widening_RechecksNothing) {
  table_.Add(Tcp("10.0.0.2", "10.0.0.1", 80, 1));
  CutReport r = Change([&] {
    Pod("c", "10.0.0.3", "b");  // c joins the allowed set: only added.
    compiler_.OnWorkloadChanged(state_, "x/c");
  });
  EXPECT_THAT(recheck_, ::testing::Not(::testing::Contains("x/a")));
  EXPECT_THAT(r.cut, IsEmpty());
  EXPECT_EQ(table_.connections().size(), 1u);
}

TEST_F(EstablishedCutterTest, PeerRelabelled_CutsItsConnections) {
  table_.Add(Tcp("10.0.0.2", "10.0.0.1", 80, 1));
  CutReport r = Change([&] {
    Pod("b", "10.0.0.2", "other");
    compiler_.OnWorkloadChanged(state_, "x/b");
  });
  EXPECT_TRUE(recheck_.contains("x/a"));  // Its rule's set lost b.
  ASSERT_EQ(r.cut.size(), 1u);
  EXPECT_THAT(table_.connections(), IsEmpty());
}

TEST_F(EstablishedCutterTest, NatedServer_JudgedByItsRealAddress) {
  // c -> a Service address, NAT'ed to a:80: c may not reach a.
  table_.Add(Tcp("10.0.0.3", "10.96.0.10", 443, 7, "10.0.0.1", 80));
  // b -> the same Service: allowed before and after.
  table_.Add(Tcp("10.0.0.2", "10.96.0.10", 443, 8, "10.0.0.1", 80));
  CutReport r = Change([&] {
    Policy("b", 8080);  // Still b only: x/a's rule changed, so rechecked.
    compiler_.OnPolicyChanged(state_, "x/a-in");
  });
  ASSERT_EQ(r.cut.size(), 1u);
  EXPECT_EQ(r.cut[0].connection.id, 7u);
}

TEST_F(EstablishedCutterTest, NodeConnections_NeverCut) {
  TrackedConnection probe = Tcp("10.0.0.254", "10.0.0.1", 80, 9);
  table_.Add(probe);
  CutReport r = Change([&] {
    Policy("c");
    compiler_.OnPolicyChanged(state_, "x/a-in");
  });
  EXPECT_THAT(r.cut, IsEmpty());
  EXPECT_EQ(table_.connections().size(), 1u);
}

// A server packet in flight at the cut made the kernel track the cut
// connection backwards; CutReversed removes exactly that entry.
TEST_F(EstablishedCutterTest, CutReversed_RemovesTheConnectionRunBackwards) {
  table_.Add(Tcp("10.0.0.2", "10.0.0.1", 80, 1));
  CutReport r = Change([&] {
    Policy("c");
    compiler_.OnPolicyChanged(state_, "x/a-in");
  });
  ASSERT_EQ(r.cut.size(), 1u);
  TrackedConnection back;  // a:80 -> b:40000, as the kernel tracks it now.
  back.id = 5;
  back.orig = r.cut[0].connection.reply;
  back.reply = r.cut[0].connection.orig;
  table_.Add(back);
  TrackedConnection other = back;  // Another port of b: untouched.
  other.id = 6;
  other.orig.dport = 40001;
  other.reply.sport = 40001;
  table_.Add(other);
  EstablishedCutter cutter(table_, [] { return std::set<IpAddress>{}; });
  CutReport again = cutter.CutReversed(r.cut);
  ASSERT_EQ(again.cut.size(), 1u);
  EXPECT_EQ(again.cut[0].connection.id, 5u);
  EXPECT_EQ(again.cut[0].endpoint, "x/a");
  ASSERT_EQ(table_.connections().size(), 1u);
  EXPECT_EQ(table_.connections()[0].id, 6u);
}

// A connection already over (TIME_WAIT, CLOSE) has nothing to cut: no
// `cut` record for it.
TEST_F(EstablishedCutterTest, EndedConnections_LeftAlone) {
  TrackedConnection over = Tcp("10.0.0.2", "10.0.0.1", 80, 12);
  over.ended = true;
  table_.Add(over);
  CutReport r = Change([&] {
    Policy("c");
    compiler_.OnPolicyChanged(state_, "x/a-in");
  });
  EXPECT_THAT(r.cut, IsEmpty());
  EXPECT_EQ(table_.connections().size(), 1u);
}

TEST_F(EstablishedCutterTest, NonPortProtocols_LeftAlone) {
  TrackedConnection icmp = Tcp("10.0.0.2", "10.0.0.1", 0, 10);
  icmp.orig.proto = icmp.reply.proto = IPPROTO_ICMP;
  table_.Add(icmp);
  TrackedConnection udp = Tcp("10.0.0.2", "10.0.0.1", 80, 11);
  udp.orig.proto = udp.reply.proto = IPPROTO_UDP;
  table_.Add(udp);
  CutReport r = Change([&] {
    Policy("c");
    compiler_.OnPolicyChanged(state_, "x/a-in");
  });
  // UDP 80 was never allowed (the rule is TCP): cut; ICMP is not judged.
  ASSERT_EQ(r.cut.size(), 1u);
  EXPECT_EQ(r.cut[0].connection.id, 11u);
}

}  // namespace
}  // namespace podwall::conntrack
