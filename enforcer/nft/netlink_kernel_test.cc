// Kernel tests of the netlink backend, run in a private network namespace
// (tests/support/netns_test_main.cc), so nothing here can touch the
// machine's own ruleset.
// nft(8) is the independent cross-check of what the kernel holds.

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "controller/state_loader.h"
#include "enforcer/nft/naming.h"
#include "enforcer/nft/netlink_backend.h"
#include "enforcer/nft/nft_text.h"
#include "enforcer/nft/renderer.h"
#include "enforcer/nft/ruleset_mirror.h"
#include "enforcer/sync/node_syncer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/manifest.h"
#include "tests/support/golden_cases.h"
#include "tests/support/sync_events.h"

namespace podwall::nft {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p))
    out.append(buf.data(), n);
  pclose(p);
  return out;
}

std::string ListTable() { return Shell("nft list table inet podwall"); }

// The listing with its blocks (sets, maps, chains) sorted: nft lists
// objects in creation order, which a partial sync legitimately changes.
std::string Canonical(std::string listing) {
  const std::string head = "table inet podwall {\n";
  if (listing.starts_with(head)) listing.erase(0, head.size());
  if (listing.ends_with("}\n")) listing.resize(listing.size() - 2);
  while (!listing.empty() && listing.back() == '\n') listing.pop_back();
  std::vector<std::string> blocks;
  std::size_t start = 0;
  while (start < listing.size()) {
    std::size_t end = listing.find("\n\n", start);
    if (end == std::string::npos) end = listing.size();
    blocks.push_back(listing.substr(start, end - start));
    start = end + 2;
  }
  std::sort(blocks.begin(), blocks.end());
  std::string out;
  for (const auto& b : blocks) out += b + "\n--\n";
  return out;
}

Ruleset SmallRuleset(const std::string& extra_address = "") {
  Ruleset r;
  Set pods{"pods_a_v4", "pods{ns=x;app=web}", KeyType::kIpv4, false, false, {}};
  pods.elements.push_back({*schema::IpAddress::Parse("10.0.0.2"),
                           *schema::IpAddress::Parse("10.0.0.2"),
                           {},
                           0,
                           ""});
  if (!extra_address.empty()) {
    auto a = *schema::IpAddress::Parse(extra_address);
    pods.elements.push_back({a, a, {}, 0, ""});
  }
  r.sets.push_back(pods);
  Set cidr{"cidr_a_v4", "", KeyType::kIpv4, true, false, {}};
  cidr.elements.push_back({*schema::IpAddress::Parse("10.1.0.0"),
                           *schema::IpAddress::Parse("10.1.1.255"),
                           {},
                           0,
                           ""});
  r.sets.push_back(cidr);
  Set named{"named_a_v4", "", KeyType::kIpv4ProtoPort, false, false, {}};
  named.elements.push_back({*schema::IpAddress::Parse("10.0.0.3"),
                            *schema::IpAddress::Parse("10.0.0.3"),
                            ir::Protocol::kTCP, 8080, ""});
  r.sets.push_back(named);
  Set map{"ingress_v4", "", KeyType::kIpv4, false, true, {}};
  map.elements.push_back({*schema::IpAddress::Parse("10.0.0.1"),
                          *schema::IpAddress::Parse("10.0.0.1"),
                          {},
                          0,
                          "in_x/a"});
  r.sets.push_back(map);
  Chain in{"in_x/a", "", false, {}};
  Rule invalid;
  invalid.kind = Rule::Kind::kCtInvalidDrop;
  in.rules.push_back(invalid);
  Rule allow;
  allow.set = "pods_a_v4";
  allow.protocol = ir::Protocol::kTCP;
  allow.dport = {{80, 80}};
  allow.counter = true;
  allow.verdict = Verdict::kReturn;
  allow.comment = "NetworkPolicy/x/p/ingress/0";
  in.rules.push_back(allow);
  Rule range = allow;
  range.set = "cidr_a_v4";
  range.protocol = ir::Protocol::kUDP;
  range.dport = {{8000, 8100}};
  in.rules.push_back(range);
  Rule tuple;
  tuple.set = "named_a_v4";
  tuple.field = AddressField::kDestination;
  tuple.tuple = true;
  tuple.counter = true;
  tuple.verdict = Verdict::kReturn;
  in.rules.push_back(tuple);
  Rule deny;
  deny.counter = true;
  deny.verdict = Verdict::kDrop;
  deny.comment = "deny ingress x/a";
  in.rules.push_back(deny);
  r.chains.push_back(in);
  Chain fwd{"forward", "", true, {}};
  Rule est;
  est.kind = Rule::Kind::kCtEstablishedAccept;
  fwd.rules.push_back(est);
  Rule vmap;
  vmap.kind = Rule::Kind::kVmap;
  vmap.field = AddressField::kDestination;
  vmap.set = "ingress_v4";
  fwd.rules.push_back(vmap);
  r.chains.push_back(fwd);
  return r;
}

// Rule numbers in order of first use.
struct SequentialNumbers : RuleNumberLookup {
  std::optional<uint16_t> NumberOf(const std::string& id) const override {
    auto [it, added] = numbers.try_emplace(id, numbers.size() + 1);
    return it->second;
  }
  mutable std::map<std::string, uint16_t> numbers;
};

class NetlinkKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = NetlinkBackend::Create();
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = std::move(*backend);
    mirror_ = std::make_unique<RulesetMirror>(*backend_);
    ASSERT_TRUE(mirror_->DeleteTables().ok());
    Shell("nft delete table inet other");
  }
  void TearDown() override {
    if (mirror_) (void)mirror_->DeleteTables();
  }
  std::unique_ptr<NetlinkBackend> backend_;
  // What podwall knows of the kernel, and the way it writes there.
  std::unique_ptr<RulesetMirror> mirror_;
};

TEST_F(NetlinkKernelTest, Replace_ListsLikeNftLoadingTheSameText) {
  const Ruleset r = SmallRuleset();
  ASSERT_TRUE(mirror_->Replace(r).ok());
  const std::string via_netlink = ListTable();
  EXPECT_THAT(via_netlink, HasSubstr("chain in_x/a"));
  ASSERT_TRUE(mirror_->DeleteTables().ok());
  FILE* p = popen("nft -f - 2>&1", "w");
  ASSERT_NE(p, nullptr);
  const std::string text = ToNftText(r);
  fwrite(text.data(), 1, text.size(), p);
  ASSERT_EQ(pclose(p), 0) << text;
  EXPECT_EQ(via_netlink, ListTable());
}

// Flow-log statements (ct mark set, rate-limited log) and audit mode,
// over every golden case: the netlink encoding lists exactly like nft(8)
// loading the dry-run text, and reads back as in sync.
// With flow logs, in both modes, and with guarded pod networks (two that
// overlap, merged, and an IPv6 one).
TEST_F(NetlinkKernelTest,
       FlowLogAndAuditRulesets_ListLikeNftAndReadBackInSync) {
  for (const bool audit : {false, true}) {
    for (const std::string& name : test_support::GoldenCaseNames()) {
      SCOPED_TRACE(name + (audit ? " (audit)" : ""));
      controller::ClusterState state;
      ASSERT_TRUE(test_support::LoadGoldenCase(name, state).ok());
      controller::Compiler compiler("node-1");
      compiler.Rebuild(state);
      RenderOptions options;
      options.audit = audit;
      options.guarded_networks = {*schema::IpPrefix::Parse("10.0.0.0/16"),
                                  *schema::IpPrefix::Parse("10.0.1.0/24"),
                                  *schema::IpPrefix::Parse("fd00::/64")};
      options.flow_log = FlowLogOptions();
      SequentialNumbers numbers;
      options.flow_log->rule_numbers = &numbers;
      const Ruleset r = RenderRuleset(compiler.Snapshot(), options);
      ASSERT_TRUE(mirror_->Replace(r).ok());
      auto in_sync = backend_->Holds(mirror_->applied());
      ASSERT_TRUE(in_sync.ok()) << in_sync.status();
      EXPECT_TRUE(*in_sync);
      const std::string via_netlink = ListTable();
      ASSERT_TRUE(mirror_->DeleteTables().ok());
      FILE* p = popen("nft -f - 2>&1", "w");
      ASSERT_NE(p, nullptr);
      const std::string text = ToNftText(r);
      fwrite(text.data(), 1, text.size(), p);
      ASSERT_EQ(pclose(p), 0) << text;
      EXPECT_EQ(via_netlink, ListTable());
      EXPECT_THAT(via_netlink,
                  HasSubstr("ip daddr @guarded_v4 ip daddr != @known_v4"));
      if (!numbers.numbers.empty()) {
        EXPECT_THAT(via_netlink, HasSubstr("ct mark set ct mark & 0x"));
        EXPECT_THAT(via_netlink,
                    HasSubstr(audit ? "podwall audit" : "podwall deny"));
      }
    }
  }
}

TEST_F(NetlinkKernelTest, RejectedBatch_LeavesPreviousRuleset) {
  ASSERT_TRUE(mirror_->Replace(SmallRuleset()).ok());
  const std::string before = ListTable();
  // A new ruleset plus one rule that references a set that does not exist.
  Ruleset bad = SmallRuleset("10.0.0.9");
  Rule broken;
  broken.set = "no_such_set";
  broken.verdict = Verdict::kReturn;
  bad.chains[0].rules.insert(bad.chains[0].rules.begin() + 1, broken);
  absl::Status st = mirror_->Replace(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("add rule 1 to chain in_x/a"));
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("No such file or directory"));
  EXPECT_EQ(ListTable(), before) << "a failed batch must change nothing";
}

TEST_F(NetlinkKernelTest, Replace_Twice_HoldsOnlyTheNewRuleset) {
  ASSERT_TRUE(mirror_->Replace(SmallRuleset()).ok());
  ASSERT_TRUE(mirror_->Replace(SmallRuleset("10.0.0.7")).ok());
  const std::string table = ListTable();
  EXPECT_THAT(table, HasSubstr("10.0.0.7"));
  EXPECT_EQ(table.find("chain in_x/a"), table.rfind("chain in_x/a"));
}

TEST_F(NetlinkKernelTest, DeleteTable_LeavesOtherTablesAlone) {
  ASSERT_EQ(Shell("nft add table inet other && nft add chain inet other c"),
            "");
  ASSERT_TRUE(mirror_->Replace(SmallRuleset()).ok());
  ASSERT_TRUE(mirror_->DeleteTables().ok());
  EXPECT_THAT(ListTable(), HasSubstr("No such file or directory"));
  EXPECT_THAT(Shell("nft list table inet other"), HasSubstr("chain c"));
  EXPECT_TRUE(mirror_->DeleteTables().ok()) << "deleting twice is fine";
  Shell("nft delete table inet other");
}

TEST_F(NetlinkKernelTest, LargeSet_SpansManyMessages) {
  Ruleset r = SmallRuleset();
  for (int i = 0; i < 5000; ++i) {
    auto a = *schema::IpAddress::Parse("10.2." + std::to_string(i / 250) + "." +
                                       std::to_string(i % 250 + 1));
    r.sets[0].elements.push_back({a, a, {}, 0, ""});
  }
  ASSERT_TRUE(mirror_->Replace(r).ok());
  EXPECT_GT(backend_->last_batch_messages(), 10u);
  EXPECT_THAT(ListTable(), HasSubstr("10.2.19.250"));
}

TEST_F(NetlinkKernelTest, Sync_PodJoinsSet_SendsOneElement) {
  ASSERT_TRUE(mirror_->Sync(SmallRuleset()).ok());
  ASSERT_TRUE(mirror_->Sync(SmallRuleset("10.0.0.8")).ok());
  EXPECT_EQ(backend_->last_batch_messages(), 3u);  // begin, element, end.
  EXPECT_EQ(mirror_->last_transaction_size(), 1u);
  EXPECT_THAT(ListTable(), HasSubstr("10.0.0.8"));
  ASSERT_TRUE(mirror_->Sync(SmallRuleset("10.0.0.8")).ok());
  EXPECT_EQ(mirror_->last_transaction_size(), 0u) << "nothing to do";
}

// Walks through every golden ruleset in turn with partial syncs; after each
// step the kernel must hold exactly what a full replace of it gives.
TEST_F(NetlinkKernelTest, Sync_ThroughEveryGoldenCase_EqualsFullReplace) {
  const std::vector<std::string> cases = test_support::GoldenCaseNames();
  ASSERT_GE(cases.size(), 20u);
  for (const std::string& dir : cases) {
    controller::ClusterState state;
    ASSERT_TRUE(test_support::LoadGoldenCase(dir, state).ok()) << dir;
    controller::Compiler compiler("node-1");
    compiler.Rebuild(state);
    const Ruleset r = RenderRuleset(compiler.Snapshot());
    absl::Status st = mirror_->Sync(r);
    ASSERT_TRUE(st.ok()) << dir << ": " << st;
    const std::string synced = Canonical(ListTable());
    auto other = NetlinkBackend::Create();
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(RulesetMirror(**other).Replace(r).ok());
    EXPECT_EQ(synced, Canonical(ListTable())) << "partial sync to " << dir;
    // Keep syncing from the synced state: tell the backend nothing changed.
    ASSERT_TRUE(mirror_->Sync(r).ok());
    EXPECT_EQ(mirror_->last_transaction_size(), 0u);
  }
}

TEST_F(NetlinkKernelTest, NodeSyncer_PeerPodChange_SendsOnlyElements) {
  controller::ClusterState state;
  ASSERT_TRUE(
      test_support::LoadGoldenCase("13-pod-and-namespace-one-peer", state)
          .ok());
  controller::Compiler compiler("node-1");
  compiler.Rebuild(state);
  sync::NodeSyncer syncer(*backend_);
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_FALSE(syncer.last_was_patch());
  // A new pod=a in a team=blue namespace on another node: a peer of y's
  // policy, so one address joins one set and nothing else changes.
  schema::Pod pod;
  pod.metadata = {"a2", "", "z", "", "", {{"pod", "a"}}};
  pod.spec.node_name = "node-2";
  pod.status.pod_ip = "10.0.3.77";
  state.UpsertWorkload(controller::WorkloadFromPod(pod));
  compiler.OnWorkloadChanged(state, "z/a2");
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_TRUE(syncer.last_was_patch());
  EXPECT_EQ(backend_->last_batch_messages(), 3u);
  const std::string after = Canonical(ListTable());
  EXPECT_THAT(after, HasSubstr("10.0.3.77"));
  auto other = NetlinkBackend::Create();
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(
      RulesetMirror(**other).Replace(RenderRuleset(compiler.Snapshot())).ok());
  EXPECT_EQ(after, Canonical(ListTable()));
}

TEST_F(NetlinkKernelTest, NodeSyncer_EveryKindOfEvent_PatchEqualsFullRender) {
  controller::ClusterState state;
  ASSERT_TRUE(test_support::LoadGoldenCase("15-stacked-policies", state).ok());
  controller::Compiler compiler("node-1");
  compiler.Rebuild(state);
  compiler.SetInterfaces(state,
                         {{*schema::IpAddress::Parse("10.0.1.1"), "veth-xa"}});
  sync::NodeSyncer syncer(*backend_);
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  for (const test_support::SyncEvent& step : test_support::EveryKindOfEvent()) {
    SCOPED_TRACE(step.what);
    step.apply(state, compiler);
    ASSERT_TRUE(syncer.Sync(compiler).ok());
    EXPECT_TRUE(syncer.last_was_patch());
    const std::string patched = Canonical(ListTable());
    const std::string guards = Shell("nft list table netdev podwall");
    if (std::string(step.what).starts_with("a pod on two networks")) {
      EXPECT_THAT(guards, HasSubstr("\"veth-xd\""));
      EXPECT_THAT(guards, HasSubstr("\"veth-xd2\""));
    }
    // The same IR rendered whole, by another backend: identical tables.
    // (Identical content keeps the syncer's cache true for the next step.)
    auto other = NetlinkBackend::Create();
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(RulesetMirror(**other)
                    .Replace(RenderRuleset(compiler.Snapshot()))
                    .ok());
    EXPECT_EQ(patched, Canonical(ListTable()));
    EXPECT_EQ(guards, Shell("nft list table netdev podwall"));
  }
  EXPECT_THAT(Shell("nft list table netdev podwall"), HasSubstr("veth-xa"));
}

// A veth passes from one pod to another in one patch (a renamed Docker
// container is a pod deleted and one added, on the same veth): its guard
// chain is rewritten for the new pod, not deleted with the old one.
TEST_F(NetlinkKernelTest, NodeSyncer_VethPassesToAnotherPod_GuardStays) {
  controller::ClusterState state;
  ASSERT_TRUE(test_support::LoadGoldenCase("15-stacked-policies", state).ok());
  controller::Compiler compiler("node-1");
  compiler.Rebuild(state);
  const std::map<schema::IpAddress, std::string> veth = {
      {*schema::IpAddress::Parse("10.0.1.1"), "veth-moving"}};
  compiler.SetInterfaces(state, veth);
  sync::NodeSyncer syncer(*backend_);
  absl::Status synced = syncer.Sync(compiler);
  ASSERT_TRUE(synced.ok()) << synced;
  EXPECT_THAT(Shell("nft list table netdev podwall"),
              HasSubstr("spoofed source from x/a"));
  // x/a is renamed x/renamed: same address, same veth.
  state.DeleteWorkload("x/a");
  compiler.OnWorkloadChanged(state, "x/a");
  test_support::Upsert(R"(
apiVersion: v1
kind: Pod
metadata: {name: renamed, namespace: x, labels: {pod: a, app: web}}
spec: {nodeName: node-1}
status: {podIP: 10.0.1.1}
)",
                       state, compiler);
  compiler.SetInterfaces(state, veth);
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_TRUE(syncer.last_was_patch());
  const std::string guards = Shell("nft list table netdev podwall");
  EXPECT_THAT(guards, HasSubstr("spoofed source from x/renamed"));
  EXPECT_THAT(guards, Not(HasSubstr("spoofed source from x/a\"")));
  // The cache agrees with the kernel: a later change to the pod's guard
  // (here: it goes) syncs without error.
  compiler.SetInterfaces(state, {});
  absl::Status st = syncer.Sync(compiler);
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_TRUE(syncer.last_was_patch());
  EXPECT_THAT(Shell("nft list table netdev podwall 2>&1"),
              Not(HasSubstr("veth-moving")));
}

TEST_F(NetlinkKernelTest, NodeSyncer_GuardedNetworks_KnownPodsFollowPatches) {
  controller::ClusterState state;
  ASSERT_TRUE(test_support::LoadGoldenCase("15-stacked-policies", state).ok());
  controller::Compiler compiler("node-1");
  compiler.Rebuild(state);
  RenderOptions options;
  options.guarded_networks = {*schema::IpPrefix::Parse("10.0.0.0/16")};
  sync::NodeSyncer syncer(*backend_, options);
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_THAT(ListTable(), Not(HasSubstr("10.0.1.77")));
  const std::string pod = R"(
apiVersion: v1
kind: Pod
metadata: {name: new, namespace: x, labels: {pod: new}}
spec: {nodeName: node-1, containers: [{name: c}]}
status: {podIP: 10.0.1.77}
)";
  auto same_as_full_render = [&] {
    const std::string patched = Canonical(ListTable());
    auto other = NetlinkBackend::Create();
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(RulesetMirror(**other)
                    .Replace(RenderRuleset(compiler.Snapshot(), options))
                    .ok());
    EXPECT_EQ(patched, Canonical(ListTable()));
  };
  test_support::Upsert(pod, state, compiler);
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_TRUE(syncer.last_was_patch());
  EXPECT_THAT(ListTable(), HasSubstr("10.0.1.77"));  // Now a known address.
  same_as_full_render();
  state.DeleteWorkload("x/new");
  compiler.OnWorkloadChanged(state, "x/new");
  ASSERT_TRUE(syncer.Sync(compiler).ok());
  EXPECT_TRUE(syncer.last_was_patch());
  EXPECT_THAT(ListTable(), Not(HasSubstr("10.0.1.77")));
  same_as_full_render();
}

TEST_F(NetlinkKernelTest, InSync_AfterSyncOfEveryGoldenCase_IsTrue) {
  for (const std::string& name : test_support::GoldenCaseNames()) {
    controller::ClusterState state;
    ASSERT_TRUE(test_support::LoadGoldenCase(name, state).ok()) << name;
    controller::Compiler compiler("node-1");
    compiler.Rebuild(state);
    ASSERT_TRUE(mirror_->Sync(RenderRuleset(compiler.Snapshot())).ok());
    auto in_sync = backend_->Holds(mirror_->applied());
    ASSERT_TRUE(in_sync.ok()) << in_sync.status();
    EXPECT_TRUE(*in_sync) << "a fresh sync must read back identical: " << name;
  }
}

TEST_F(NetlinkKernelTest, Sync_NewProcessFindsSameTable_AdoptsWithoutChange) {
  ASSERT_TRUE(mirror_->Sync(SmallRuleset()).ok());
  auto restarted = NetlinkBackend::Create();
  ASSERT_TRUE(restarted.ok());
  RulesetMirror restarted_mirror(**restarted);
  ASSERT_TRUE(restarted_mirror.Sync(SmallRuleset()).ok());
  EXPECT_TRUE(restarted_mirror.last_adopted());
  EXPECT_EQ((*restarted)->last_batch_messages(), 0u)
      << "adopted, not rewritten";
  // A different desired ruleset is not adopted.
  auto another = NetlinkBackend::Create();
  ASSERT_TRUE(another.ok());
  RulesetMirror another_mirror(**another);
  ASSERT_TRUE(another_mirror.Sync(SmallRuleset("10.0.0.5")).ok());
  EXPECT_FALSE(another_mirror.last_adopted());
  EXPECT_GT((*another)->last_batch_messages(), 3u);
  EXPECT_THAT(ListTable(), HasSubstr("10.0.0.5"));
}

TEST_F(NetlinkKernelTest, RepairDrift_EditsByHand_AreUndone) {
  ASSERT_EQ(Shell("ip link add pwdummy0 type veth peer name pwdummy1 && ip "
                  "link set pwdummy0 up"),
            "");
  Ruleset r = SmallRuleset();
  r.guards.push_back(
      {"pwdummy0", "x/a", {*schema::IpAddress::Parse("10.0.0.1")}});
  absl::Status synced = mirror_->Sync(r);
  ASSERT_TRUE(synced.ok()) << synced;
  const std::string clean = Canonical(ListTable());
  const std::string clean_guards = Shell("nft list table netdev podwall");
  auto repaired = mirror_->RepairDrift();
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_FALSE(*repaired) << "nothing to repair right after a sync";

  const char* edits[] = {
      "nft flush chain inet podwall forward",
      "nft add element inet podwall pods_a_v4 { 10.9.9.9 }",
      "nft delete element inet podwall pods_a_v4 { 10.0.0.2 }",
      "nft add rule inet podwall in_x/a accept",
      "nft insert rule inet podwall in_x/a accept",
      "nft delete element inet podwall ingress_v4 { 10.0.0.1 }",
      "nft add element inet podwall cidr_a_v4 { 10.7.0.0/16 }",
      "nft add set inet podwall intruder '{ type ipv4_addr; }'",
      "nft flush chain netdev podwall guard_pwdummy0",
      "nft delete table netdev podwall",
      "nft delete table inet podwall",
  };
  for (const char* edit : edits) {
    ASSERT_EQ(Shell(edit), "") << edit;
    auto in_sync = backend_->Holds(mirror_->applied());
    ASSERT_TRUE(in_sync.ok()) << edit << ": " << in_sync.status();
    EXPECT_FALSE(*in_sync) << "drift not seen after: " << edit;
    repaired = mirror_->RepairDrift();
    ASSERT_TRUE(repaired.ok()) << edit << ": " << repaired.status();
    EXPECT_TRUE(*repaired) << edit;
    EXPECT_EQ(Canonical(ListTable()), clean) << "after repairing: " << edit;
    EXPECT_EQ(Shell("nft list table netdev podwall"), clean_guards) << edit;
  }
  Shell("ip link del pwdummy0");
}

}  // namespace
}  // namespace podwall::nft
