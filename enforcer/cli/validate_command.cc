#include "enforcer/cli/validate_command.h"

#include "enforcer/cli/exit_codes.h"
#include "policy-schema/json_writer.h"
#include "policy-schema/manifest.h"

namespace podwall::cli {

int RunValidate(const ValidateOptions& options, std::ostream& out,
                std::ostream& err) {
  absl::StatusOr<std::vector<std::string>> files =
      schema::ExpandManifestPaths(options.paths);
  absl::StatusOr<schema::ManifestSet> set =
      files.ok() ? schema::LoadManifests(*files) : files.status();
  if (!set.ok()) {
    err << set.status().message() << "\n";
    return ExitCodeFor(set.status());
  }
  for (const std::string& w : set->warnings) err << "warning: " << w << "\n";
  int namespaces = 0;
  int pods = 0;
  int policies = 0;
  int cluster_policies = 0;
  int nodes = 0;
  for (const schema::SourcedObject& o : set->objects) {
    if (std::holds_alternative<schema::Namespace>(o.object)) ++namespaces;
    if (std::holds_alternative<schema::Pod>(o.object)) ++pods;
    if (std::holds_alternative<schema::NetworkPolicy>(o.object)) ++policies;
    if (std::holds_alternative<schema::ClusterNetworkPolicy>(o.object)) {
      ++cluster_policies;
    }
    if (std::holds_alternative<schema::Node>(o.object)) ++nodes;
  }
  if (options.json_output) {
    schema::JsonWriter w;
    w.BeginObject()
        .Key("valid")
        .Bool(true)
        .Key("files")
        .Int(static_cast<int64_t>(files->size()))
        .Key("namespaces")
        .Int(namespaces)
        .Key("pods")
        .Int(pods)
        .Key("networkPolicies")
        .Int(policies)
        .Key("clusterNetworkPolicies")
        .Int(cluster_policies)
        .Key("nodes")
        .Int(nodes)
        .Key("warnings")
        .Int(static_cast<int64_t>(set->warnings.size()))
        .EndObject();
    out << w.str() << "\n";
  } else {
    out << "valid: " << files->size() << " file(s), " << namespaces
        << " namespace(s), " << pods << " pod(s), " << policies
        << " network policy(ies), " << cluster_policies
        << " cluster network policy(ies), " << nodes << " node(s)\n";
  }
  return kExitOk;
}

}  // namespace podwall::cli
