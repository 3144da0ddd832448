#include "enforcer/cli/compile_command.h"

#include <unistd.h>

#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "controller/explain.h"
#include "controller/state_loader.h"
#include "enforcer/cli/exit_codes.h"
#include "enforcer/links/veth_discovery.h"
#include "enforcer/nft/netlink_backend.h"
#include "enforcer/nft/nft_text.h"
#include "enforcer/nft/renderer.h"
#include "enforcer/nft/ruleset_mirror.h"
#include "policy-schema/json_writer.h"
#include "policy-schema/manifest.h"

namespace podwall::cli {
namespace {

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

// Loads manifests into `state`, printing warnings; returns an exit code
// (kExitOk to continue).
int LoadState(const std::vector<std::string>& paths,
              controller::ClusterState& state, std::ostream& err) {
  absl::StatusOr<schema::ManifestSet> set = schema::LoadManifests(paths);
  if (!set.ok()) {
    err << set.status().message() << "\n";
    return ExitCodeFor(set.status());
  }
  for (const std::string& w : set->warnings) err << "warning: " << w << "\n";
  controller::LoadIntoState(*set, state);
  return kExitOk;
}

}  // namespace

int RunApply(const ApplyOptions& options, std::ostream& out,
             std::ostream& err) {
  controller::ClusterState state;
  if (int code = LoadState(options.paths, state, err); code != kExitOk) {
    return code;
  }
  controller::Compiler compiler(options.node_name.empty() ? Hostname()
                                                          : options.node_name);
  compiler.Rebuild(state);
  // Host-side interfaces for anti-spoofing, from this network namespace's
  // routes and neighbours. Unknown ones get no guard (yet).
  if (compiler.endpoint_count() > 0) {
    absl::StatusOr<std::map<schema::IpAddress, std::string>> links =
        links::DiscoverPodInterfaces();
    if (!links.ok()) {
      err << "warning: no anti-spoofing: " << links.status().message() << "\n";
    } else {
      compiler.SetInterfaces(state, *std::move(links));
    }
  }
  const ir::NodePolicy policy = compiler.Snapshot();
  if (options.dry_run) {
    if (options.output == "ir") {
      out << schema::PrettyJson(ir::ToJson(policy));
    } else {
      out << nft::ToNftText(nft::RenderRuleset(policy));
    }
    return kExitOk;
  }
  // A table that already holds this ruleset is kept as it is; anything
  // else is replaced in one transaction.
  auto backend = nft::NetlinkBackend::Create();
  absl::Status st =
      backend.ok()
          ? nft::RulesetMirror(**backend).Sync(nft::RenderRuleset(policy))
          : backend.status();
  if (!st.ok()) {
    err << "podwall apply: " << st.message() << "\n";
    return kExitRuntimeFailure;
  }
  out << "applied: " << policy.endpoints.size() << " local endpoint(s), "
      << policy.rules.size() << " rule(s) for node " << policy.node_name
      << "\n";
  return kExitOk;
}

int RunUninstall(std::ostream& out, std::ostream& err) {
  auto backend = nft::NetlinkBackend::Create();
  absl::Status st = backend.ok() ? nft::RulesetMirror(**backend).DeleteTables()
                                 : backend.status();
  if (!st.ok()) {
    err << "podwall uninstall: " << st.message() << "\n";
    return kExitRuntimeFailure;
  }
  out << "removed tables inet podwall and netdev podwall\n";
  return kExitOk;
}

int RunExplain(const ExplainOptions& options, std::ostream& out,
               std::ostream& err) {
  controller::ClusterState state;
  if (int code = LoadState(options.paths, state, err); code != kExitOk) {
    return code;
  }
  controller::ExplainRequest request{options.from, options.to, options.port,
                                     std::nullopt};
  if (options.family) {
    request.family =
        *options.family == 6 ? schema::IpFamily::kV6 : schema::IpFamily::kV4;
  }
  absl::StatusOr<controller::Explanation> e =
      controller::Explain(state, request);
  if (!e.ok()) {
    err << "podwall explain: " << e.status().message() << "\n";
    return ExitCodeFor(e.status());
  }
  out << (options.json_output
              ? schema::PrettyJson(controller::ExplanationToJson(*e))
              : controller::ExplanationToTable(*e));
  return kExitOk;
}

}  // namespace podwall::cli
