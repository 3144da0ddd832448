#include "enforcer/cli/flows_command.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(FlowsCommandTest, Columns_NamesPodsPoliciesAndCounts) {
  auto flow = flowlog::ParseFlowRecordJson(
      R"({"time":"2026-11-22T13:45:01.123456Z","node":"n","verdict":"deny",)"
      R"("direction":"ingress","proto":"UDP","family":4,)"
      R"("src":{"ip":"10.0.0.2","port":5000,"namespace":"y","pod":"b","labels":{}},)"
      R"("dst":{"ip":"10.0.0.1","port":53,"namespace":"x","pod":"a","labels":{}},)"
      R"("policy":{"kind":"NetworkPolicy","namespace":"x","name":"deny","rule":null},)"
      R"("isolated_by":["x/deny","x/web"],"state":"denied","packets":0,)"
      R"("bytes":0,"duration_ms":0,"count":40})");
  ASSERT_TRUE(flow.ok()) << flow.status();
  EXPECT_THAT(FlowColumns(*flow),
              ElementsAre("13:45:01.123", "deny", "in", "UDP", "y/b", "x/a:53",
                          "x/deny +1", "denied x40"));
  std::vector<std::size_t> widths;
  const std::string plain = FormatFlowRow(FlowColumns(*flow), widths, false);
  EXPECT_THAT(plain, HasSubstr("deny  in  UDP  y/b  x/a:53"));
  const std::string colored = FormatFlowRow(FlowColumns(*flow), widths, true);
  EXPECT_THAT(colored, HasSubstr("\033[1;31mdeny\033[0m"));
}

TEST(FlowsCommandTest, NoDaemon_ExitsOne) {
  std::ostringstream out, err;
  FlowsOptions o;
  o.socket_path = "/nonexistent/podwall.sock";
  EXPECT_EQ(RunFlows(o, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("is podwalld running?"));
}

}  // namespace
}  // namespace podwall::cli
