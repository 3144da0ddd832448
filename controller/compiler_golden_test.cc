// Data-driven compiler tests. Each directory under tests/golden/ir/ holds
// policies.yaml (compiled together with tests/golden/ir/base.yaml for
// node-1), expected.json (the IR, reviewed as a diff; regenerate with
// PODWALL_UPDATE_GOLDEN=1), and checks.txt: one connection per line,
//   allow|deny FROM TO PORT/PROTO [family=4|6]
// checked against both the reference evaluator and the compiled IRs.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "controller/explain.h"
#include "controller/ir_evaluator.h"
#include "controller/state_loader.h"
#include "gtest/gtest.h"
#include "policy-schema/json_writer.h"
#include "policy-schema/manifest.h"
#include "tests/support/golden_cases.h"

namespace podwall::controller {
namespace {

namespace fs = std::filesystem;
const fs::path kRoot = test_support::GoldenRoot();

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Feeds the objects one event at a time, as a watch would.
ir::NodePolicy CompileIncrementally(const schema::ManifestSet& set,
                                    const std::string& node) {
  ClusterState state;
  Compiler compiler(node);
  for (const schema::SourcedObject& o : set.objects) {
    if (const auto* ns = std::get_if<schema::Namespace>(&o.object)) {
      state.UpsertNamespace(*ns);
      compiler.OnNamespaceChanged(state, ns->metadata.name);
    } else if (const auto* pod = std::get_if<schema::Pod>(&o.object)) {
      Workload w = WorkloadFromPod(*pod);
      const std::string key = w.key;
      state.UpsertWorkload(std::move(w));
      compiler.OnWorkloadChanged(state, key);
    } else if (const auto* np = std::get_if<schema::NetworkPolicy>(&o.object)) {
      state.UpsertPolicy(*np);
      compiler.OnPolicyChanged(
          state, np->metadata.namespace_ + "/" + np->metadata.name);
    } else if (const auto* cnp =
                   std::get_if<schema::ClusterNetworkPolicy>(&o.object)) {
      state.UpsertClusterPolicy(*cnp);
      compiler.OnClusterPolicyChanged(state, cnp->metadata.name);
    } else if (const auto* node = std::get_if<schema::Node>(&o.object)) {
      state.UpsertNode(*node);
      compiler.OnNodeChanged(state, node->metadata.name);
    }
  }
  return compiler.Snapshot();
}

class CompilerGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CompilerGoldenTest, Compile_Case_MatchesGoldenAndChecks) {
  const fs::path dir = kRoot / GetParam();
  auto set = schema::LoadManifests(
      {(kRoot / "base.yaml").string(), (dir / "policies.yaml").string()});
  ASSERT_TRUE(set.ok()) << set.status();
  ClusterState state;
  LoadIntoState(*set, state);

  std::map<std::string, ir::NodePolicy> irs;
  for (const char* node : {"node-1", "node-2"}) {
    Compiler compiler(node);
    compiler.Rebuild(state);
    irs[node] = compiler.Snapshot();
  }
  const std::string got = schema::PrettyJson(ir::ToJson(irs["node-1"]));
  const fs::path golden = dir / "expected.json";
  if (std::getenv("PODWALL_UPDATE_GOLDEN")) {
    std::ofstream(golden) << got;
  } else {
    ASSERT_TRUE(fs::exists(golden))
        << golden << " missing; run with PODWALL_UPDATE_GOLDEN=1";
    EXPECT_EQ(got, ReadFile(golden))
        << "IR differs from " << golden
        << "; regenerate with PODWALL_UPDATE_GOLDEN=1 and review the diff";
  }
  EXPECT_EQ(ir::ToJson(CompileIncrementally(*set, "node-1")),
            ir::ToJson(irs["node-1"]))
      << "incremental compile differs from full compile";

  std::istringstream checks(ReadFile(dir / "checks.txt"));
  std::string line;
  int count = 0;
  while (std::getline(checks, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    ASSERT_GE(f.size(), 4u) << line;
    ExplainRequest req{f[1], f[2], f[3], std::nullopt};
    if (f.size() > 4 && f[4] == "family=6") req.family = schema::IpFamily::kV6;
    if (f.size() > 4 && f[4] == "family=4") req.family = schema::IpFamily::kV4;
    auto e = Explain(state, req);
    ASSERT_TRUE(e.ok()) << line << ": " << e.status();
    const bool want = f[0] == "allow";
    EXPECT_EQ(e->verdict.allowed, want)
        << "reference evaluator: " << line << "\n"
        << ExplanationToTable(*e);
    bool egress = true;
    bool ingress = true;
    if (e->src.workload && e->src.workload->eligible) {
      egress = IrAllows(irs[e->src.workload->node_name], ir::Direction::kEgress,
                        e->src.address, e->dst.address, e->protocol, e->port);
    }
    if (e->dst.workload && e->dst.workload->eligible) {
      ingress =
          IrAllows(irs[e->dst.workload->node_name], ir::Direction::kIngress,
                   e->dst.address, e->src.address, e->protocol, e->port);
    }
    EXPECT_EQ(egress && ingress, want) << "compiled IR: " << line;
    ++count;
  }
  EXPECT_GT(count, 0) << "no checks in " << dir;
}

INSTANTIATE_TEST_SUITE_P(Cases, CompilerGoldenTest,
                         ::testing::ValuesIn(test_support::GoldenCaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return test_support::GoldenTestName(info.param);
                         });

}  // namespace
}  // namespace podwall::controller
