// The fake kernel refuses what nf_tables refuses and applies transactions
// all or nothing: tests above the NftBackend seam rely on both.

#include "enforcer/nft/fake_backend.h"

#include "enforcer/nft/planner.h"
#include "enforcer/nft/test_rulesets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::nft {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::Status Commit(FakeBackend& kernel, std::vector<Op> ops) {
  Transaction tx;
  tx.ops = std::move(ops);
  return kernel.Commit(tx);
}

Op Named(Op::Kind kind, std::string name) {
  Op op{kind};
  op.name = std::move(name);
  return op;
}

class FakeBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kernel_.Commit(ToTransaction(PlanReplace(ruleset_))).ok());
  }
  const Ruleset ruleset_ = EndpointRuleset();
  FakeBackend kernel_;
};

TEST_F(FakeBackendTest, Replace_HoldsTheRuleset) {
  auto holds = kernel_.Holds(ruleset_);
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(*holds);
  EXPECT_EQ(kernel_.commits(), 1);
  EXPECT_EQ(kernel_.Dump(), Canonical(ruleset_));
}

TEST_F(FakeBackendTest, FailingOperation_ChangesNothing) {
  const std::vector<SetElement> more = {Addr("10.0.0.3")};
  Op add{Op::Kind::kAddElements};
  add.set = &ruleset_.sets[0];
  add.elements = &more;
  absl::Status st =
      Commit(kernel_, {add, Named(Op::Kind::kDeleteChain, "no_such_chain")});
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("delete chain no_such_chain: No such file"));
  EXPECT_EQ(kernel_.Dump(), Canonical(ruleset_)) << "all or nothing";
  EXPECT_EQ(kernel_.commits(), 1);
}

TEST_F(FakeBackendTest, RefusesWhatTheKernelRefuses) {
  // A chain a map entry still jumps to.
  EXPECT_THAT(
      std::string(
          Commit(kernel_, {Named(Op::Kind::kDeleteChain, "in_x/a")}).message()),
      HasSubstr("Device or resource busy"));
  // A set a rule still uses.
  EXPECT_THAT(
      std::string(
          Commit(kernel_, {Named(Op::Kind::kDeleteSet, "pods_v4")}).message()),
      HasSubstr("Device or resource busy"));
  // An element that is not there.
  const std::vector<SetElement> absent = {Addr("10.9.9.9")};
  Op del{Op::Kind::kDeleteElements};
  del.set = &ruleset_.sets[0];
  del.elements = &absent;
  EXPECT_FALSE(Commit(kernel_, {del}).ok());
  // A map entry jumping to a missing chain.
  const std::vector<SetElement> dangling = {Addr("10.0.0.9", "in_x/none")};
  Op jump{Op::Kind::kAddElements};
  jump.set = &ruleset_.sets[1];
  jump.elements = &dangling;
  EXPECT_FALSE(Commit(kernel_, {jump}).ok());
  // A rule naming a missing set.
  Chain broken{"in_x/a", "", false, {}};
  Rule r;
  r.set = "no_such_set";
  broken.rules.push_back(r);
  Op rules{Op::Kind::kAddRules};
  rules.chain = &broken;
  EXPECT_FALSE(Commit(kernel_, {rules}).ok());
  // A set redefined with another type.
  Set retyped = ruleset_.sets[0];
  retyped.key = KeyType::kIpv6;
  Op set{Op::Kind::kAddSet};
  set.set = &retyped;
  EXPECT_THAT(std::string(Commit(kernel_, {set}).message()),
              HasSubstr("File exists"));
  // Deleting a table that is not there.
  FakeBackend empty;
  EXPECT_FALSE(
      Commit(empty, {Op{Op::Kind::kDeleteTable, TableFamily::kInet}}).ok());
  EXPECT_EQ(kernel_.Dump(), Canonical(ruleset_));
}

TEST_F(FakeBackendTest, OverlappingIntervals_Refused) {
  Set cidr{"cidr_v4", "", KeyType::kIpv4, true, false, {}};
  SetElement wide = Addr("10.1.0.0");
  wide.address_end = *schema::IpAddress::Parse("10.1.255.255");
  SetElement inside = Addr("10.1.2.0");
  inside.address_end = *schema::IpAddress::Parse("10.1.2.255");
  const std::vector<SetElement> first = {wide};
  const std::vector<SetElement> second = {inside};
  Op add_set{Op::Kind::kAddSet};
  add_set.set = &cidr;
  Op add_wide{Op::Kind::kAddElements};
  add_wide.set = &cidr;
  add_wide.elements = &first;
  Op add_inside = add_wide;
  add_inside.elements = &second;
  ASSERT_TRUE(Commit(kernel_, {add_set, add_wide}).ok());
  EXPECT_THAT(std::string(Commit(kernel_, {add_inside}).message()),
              HasSubstr("File exists"));
}

TEST_F(FakeBackendTest, RulesAppendedTwice_AreHeldTwice) {
  Op rules{Op::Kind::kAddRules};
  rules.chain = &ruleset_.chains[0];
  ASSERT_TRUE(Commit(kernel_, {rules}).ok());
  EXPECT_EQ(kernel_.tables().chains.at("in_x/a").rules.size(), 2u);
  auto holds = kernel_.Holds(ruleset_);
  ASSERT_TRUE(holds.ok());
  EXPECT_FALSE(*holds);
}

TEST_F(FakeBackendTest, GuardOnMissingDevice_Refused) {
  FakeBackend kernel;
  kernel.set_devices({"veth0"});
  absl::Status st = kernel.Commit(ToTransaction(PlanReplace(ruleset_)));
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("add anti-spoofing chain on veth1: No such file"));
  kernel.set_devices({"veth1"});
  EXPECT_TRUE(kernel.Commit(ToTransaction(PlanReplace(ruleset_))).ok());
}

TEST_F(FakeBackendTest, InjectedFailures_AndTheLastTransaction) {
  kernel_.FailCommits(1, absl::InternalError("batch lost"));
  absl::Status st = kernel_.Commit(DeleteTablesTransaction());
  EXPECT_EQ(st.message(), "batch lost");
  EXPECT_THAT(
      kernel_.last_transaction(),
      ElementsAre("add table inet podwall", "delete table inet podwall",
                  "add table netdev podwall", "delete table netdev podwall",
                  "add table bridge podwall", "delete table bridge podwall"));
  EXPECT_EQ(kernel_.Dump(), Canonical(ruleset_));
  kernel_.FailOperations(
      [](const Op& op) { return op.kind == Op::Kind::kDeleteTable; });
  EXPECT_FALSE(kernel_.Commit(DeleteTablesTransaction()).ok());
  kernel_.FailOperations(nullptr);
  kernel_.FailNextReadBack(absl::InternalError("dump failed"));
  EXPECT_FALSE(kernel_.Holds(ruleset_).ok());
  EXPECT_TRUE(kernel_.Holds(ruleset_).ok());
  ASSERT_TRUE(kernel_.Commit(DeleteTablesTransaction()).ok());
  auto holds = kernel_.Holds(ruleset_);
  ASSERT_TRUE(holds.ok());
  EXPECT_FALSE(*holds) << "no table, nothing held";
}

TEST_F(FakeBackendTest, EditByHand_IsSeenByHolds) {
  kernel_.mutable_tables().sets.at("pods_v4").elements.push_back(
      Addr("10.9.9.9"));
  auto holds = kernel_.Holds(ruleset_);
  ASSERT_TRUE(holds.ok());
  EXPECT_FALSE(*holds);
}

}  // namespace
}  // namespace podwall::nft
