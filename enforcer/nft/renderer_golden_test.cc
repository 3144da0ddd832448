// Golden tests of the nft rendering: for every case under tests/golden/ir/
// the IR compiled for node-1 is rendered and compared with expected.nft
// beside it (regenerate with PODWALL_UPDATE_GOLDEN=1 and review the diff).
// Kernel acceptance of the same text is checked by tests/kernel/.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "enforcer/nft/naming.h"
#include "enforcer/nft/nft_text.h"
#include "enforcer/nft/renderer.h"
#include "gtest/gtest.h"
#include "tests/support/golden_cases.h"

namespace podwall::nft {
namespace {

namespace fs = std::filesystem;

// Compares `got` with the file `golden`, or rewrites the file when
// PODWALL_UPDATE_GOLDEN is set.
void ExpectGolden(const fs::path& golden, const std::string& got) {
  if (std::getenv("PODWALL_UPDATE_GOLDEN")) {
    std::ofstream(golden) << got;
    return;
  }
  std::ifstream in(golden);
  ASSERT_TRUE(in) << golden << " missing; run with PODWALL_UPDATE_GOLDEN=1";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(got, want.str()) << "regenerate with PODWALL_UPDATE_GOLDEN=1";
}

class RendererGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RendererGoldenTest, Render_Case_MatchesGolden) {
  const fs::path dir = test_support::GoldenCaseDir(GetParam());
  controller::ClusterState state;
  ASSERT_TRUE(test_support::LoadGoldenCase(GetParam(), state).ok());
  controller::Compiler compiler("node-1");
  compiler.Rebuild(state);
  const std::string got = ToNftText(RenderRuleset(compiler.Snapshot()));
  const fs::path golden = dir / "expected.nft";
  ExpectGolden(golden, got);
}

INSTANTIATE_TEST_SUITE_P(Cases, RendererGoldenTest,
                         ::testing::ValuesIn(test_support::GoldenCaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return test_support::GoldenTestName(info.param);
                         });

// The device chains of two local pods: x/a isolated for ingress and dual
// stack, x/b open with one IPv4 address (its delivery chain stays empty).
TEST(RendererGoldenTest, DeviceChains_MatchGolden) {
  ir::NodePolicy p;
  ir::Endpoint a;
  a.id = "x/a";
  a.addresses = {*schema::IpAddress::Parse("10.0.1.1"),
                 *schema::IpAddress::Parse("fd00::1:1")};
  a.interfaces = {"veth-xa"};
  a.ingress.isolated = true;
  ir::Endpoint b;
  b.id = "x/b";
  b.addresses = {*schema::IpAddress::Parse("10.0.1.2")};
  b.interfaces = {"veth-xb"};
  p.endpoints = {a, b};
  const std::string got = ToNftText(RenderRuleset(p));
  const fs::path golden =
      fs::path(test_support::GoldenCaseDir("01-no-policies"))
          .parent_path()
          .parent_path() /
      "device-chains.nft";
  ExpectGolden(golden, got);
}

TEST(RendererTest, ChainNames_AreStableAndValid) {
  EXPECT_EQ(EndpointChainName("x/a", ir::Direction::kIngress), "in_x/a");
  EXPECT_EQ(EndpointChainName("x/a", ir::Direction::kEgress), "out_x/a");
  EXPECT_LE(
      EndpointChainName(std::string(300, 'a'), ir::Direction::kEgress).size(),
      40u);
}

TEST(RendererTest, OpenEndpoint_HasNoChainAndNoMapEntry) {
  ir::NodePolicy p;
  ir::Endpoint e;
  e.id = "x/a";
  e.addresses = {*schema::IpAddress::Parse("10.0.0.1")};
  p.endpoints.push_back(e);
  Ruleset r = RenderRuleset(p);
  ASSERT_EQ(r.chains.size(), 1u);  // Only the base chain.
  for (const Set& s : r.sets) EXPECT_TRUE(s.elements.empty()) << s.name;
}

}  // namespace
}  // namespace podwall::nft
