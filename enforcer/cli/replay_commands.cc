#include "enforcer/cli/replay_commands.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <variant>

#include "absl/strings/str_cat.h"
#include "controller/state_loader.h"
#include "controller/suggest.h"
#include "enforcer/cli/daemon_client.h"
#include "enforcer/cli/exit_codes.h"
#include "enforcer/flowlog/flow_record.h"
#include "policy-schema/decode.h"
#include "policy-schema/defaults.h"
#include "policy-schema/manifest.h"

namespace podwall::cli {
namespace {

using controller::RecordedConnection;

std::string EndKey(const flowlog::FlowEndpoint& e) {
  if (e.namespace_ && e.pod) return *e.namespace_ + "/" + *e.pod;
  return e.ip;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(path + ": cannot read");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The cluster as it is: manifests, or what podwalld enforces.
absl::StatusOr<schema::ManifestSet> CurrentCluster(const ReplayInputs& in) {
  if (!in.cluster.empty()) return schema::LoadManifests(in.cluster);
  absl::StatusOr<DaemonReply> r = DaemonGet(
      in.socket_path.empty() ? kDefaultSocket : in.socket_path, "/v1/cluster");
  if (!r.ok()) {
    return absl::UnavailableError(
        absl::StrCat(r.status().message(),
                     " (offline: --cluster MANIFESTS --flow-log FILE)"));
  }
  if (r->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("podwalld: HTTP ", r->status, ": ", r->body));
  }
  // What podwalld enforces passed its sources' checks already (a Docker
  // container's name need not be a DNS label): decoded, not re-validated.
  absl::StatusOr<schema::DecodeResult> decoded =
      schema::DecodeJson(r->body, "podwalld:/v1/cluster");
  if (!decoded.ok()) return decoded.status();
  schema::ManifestSet out;
  for (schema::DecodedObject& d : decoded->objects) {
    schema::ApplyDefaults(d.object);
    out.objects.push_back(
        {std::move(d.object), "podwalld:/v1/cluster", d.locator});
  }
  return out;
}

absl::StatusOr<Distinct> Recorded(const ReplayInputs& in) {
  std::optional<std::chrono::system_clock::time_point> since;
  if (!in.since.empty()) {
    absl::StatusOr<std::chrono::seconds> d = flowlog::ParseDuration(in.since);
    if (!d.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--since ", in.since, ": ", d.status().message()));
    }
    since = std::chrono::system_clock::now() - *d;
  }
  std::string lines;
  if (!in.flow_log.empty()) {
    absl::StatusOr<std::string> t = ReadFile(in.flow_log);
    if (!t.ok()) return t.status();
    lines = *std::move(t);
  } else {
    std::map<std::string, std::string> params;
    if (!in.since.empty()) params["since"] = in.since;
    absl::StatusOr<DaemonReply> r =
        DaemonGet(in.socket_path.empty() ? kDefaultSocket : in.socket_path,
                  "/v1/flows" + flowlog::FlowQueryString(params));
    if (!r.ok()) return r.status();
    if (r->status != 200) {
      return absl::UnavailableError(
          absl::StrCat("podwalld flows: HTTP ", r->status, ": ", r->body));
    }
    lines = std::move(r->body);
  }
  return DistinctConnections(lines, since);
}

}  // namespace

Distinct DistinctConnections(
    std::string_view json_lines,
    std::optional<std::chrono::system_clock::time_point> since) {
  Distinct out;
  const std::string since_text = since ? flowlog::FlowTime(*since) : "";
  std::map<std::tuple<std::string, std::string, int, uint16_t>,
           RecordedConnection>
      by;
  std::map<std::tuple<std::string, std::string, int, uint16_t>, std::string>
      newest;
  while (!json_lines.empty()) {
    const std::size_t nl = json_lines.find('\n');
    const std::string_view line = json_lines.substr(0, nl);
    json_lines.remove_prefix(nl == std::string_view::npos ? json_lines.size()
                                                          : nl + 1);
    if (line.empty()) continue;
    absl::StatusOr<flowlog::ParsedFlow> f = flowlog::ParseFlowRecordJson(line);
    if (!f.ok()) {
      ++out.malformed;
      continue;
    }
    const flowlog::FlowRecord& r = f->record;
    if (!since_text.empty() && f->time_text < since_text) continue;
    auto proto = ir::ParseProtocol(r.proto);
    auto src = schema::IpAddress::Parse(r.src.ip);
    auto dst = schema::IpAddress::Parse(r.dst.ip);
    if (!proto || !src || !dst || r.dst.port == 0) continue;
    ++out.records;
    auto key = std::make_tuple(EndKey(r.src), EndKey(r.dst),
                               static_cast<int>(*proto), r.dst.port);
    RecordedConnection& c = by[key];
    if (c.count == 0) {
      if (r.src.namespace_ && r.src.pod) c.src_pod = EndKey(r.src);
      if (r.dst.namespace_ && r.dst.pod) c.dst_pod = EndKey(r.dst);
      c.src_kind = r.src.kind;
      c.dst_kind = r.dst.kind;
      c.src_ip = *src;
      c.dst_ip = *dst;
      c.protocol = *proto;
      c.port = r.dst.port;
    }
    c.count += r.count;
    if (r.verdict == "allow" || r.verdict == "audit") c.was_allowed = true;
    if (f->time_text >= newest[key]) {
      newest[key] = f->time_text;
      c.verdict = r.verdict;
      c.last_seen = f->time_text;
    }
  }
  for (auto& [key, c] : by) out.connections.push_back(std::move(c));
  return out;
}

int RunWhatIf(const WhatIfOptions& options, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<schema::ManifestSet> proposed =
      schema::LoadManifests(options.proposed);
  if (!proposed.ok()) {
    err << "podwall what-if: " << proposed.status().message() << "\n";
    return ExitCodeFor(proposed.status());
  }
  absl::StatusOr<schema::ManifestSet> current = CurrentCluster(options.inputs);
  if (!current.ok()) {
    err << "podwall what-if: " << current.status().message() << "\n";
    return ExitCodeFor(current.status());
  }
  for (const auto* set : {&*proposed, &*current}) {
    for (const std::string& w : set->warnings) err << "warning: " << w << "\n";
  }
  absl::StatusOr<Distinct> seen = Recorded(options.inputs);
  if (!seen.ok()) {
    err << "podwall what-if: " << seen.status().message() << "\n";
    return ExitCodeFor(seen.status());
  }
  controller::ClusterState now, after;
  controller::LoadIntoState(*current, now);
  controller::LoadIntoState(*current, after);
  for (const schema::SourcedObject& o : proposed->objects) {
    controller::ApplyToState(
        {options.remove ? controller::ObjectChange::Type::kDelete
                        : controller::ObjectChange::Type::kUpsert,
         o.object},
        after);
  }
  std::set<std::string> touched;
  for (const schema::SourcedObject& o : proposed->objects) {
    if (const auto* np = std::get_if<schema::NetworkPolicy>(&o.object)) {
      touched.insert(np->metadata.namespace_ + "/" + np->metadata.name);
    } else if (const auto* cnp =
                   std::get_if<schema::ClusterNetworkPolicy>(&o.object)) {
      touched.insert(cnp->metadata.name);
    }
  }
  controller::WhatIfResult r =
      controller::ReplayConnections(now, after, seen->connections, touched);
  if (options.json_output) {
    out << controller::WhatIfToJson(r) << "\n";
  } else {
    out << controller::WhatIfToText(r);
  }
  if (seen->malformed > 0) {
    err << "podwall what-if: " << seen->malformed
        << " malformed flow record(s) skipped\n";
  }
  return controller::Breaks(r) ? kExitRuntimeFailure : kExitOk;
}

int RunSuggest(const SuggestOptions& options, std::ostream& out,
               std::ostream& err) {
  if (options.namespace_.empty() == options.pod.empty()) {
    err << "podwall suggest: give -n NAMESPACE or --pod NAMESPACE/POD\n";
    return kExitBadInput;
  }
  absl::StatusOr<schema::ManifestSet> current = CurrentCluster(options.inputs);
  if (!current.ok()) {
    err << "podwall suggest: " << current.status().message() << "\n";
    return ExitCodeFor(current.status());
  }
  for (const std::string& w : current->warnings) {
    err << "warning: " << w << "\n";
  }
  absl::StatusOr<Distinct> seen = Recorded(options.inputs);
  if (!seen.ok()) {
    err << "podwall suggest: " << seen.status().message() << "\n";
    return ExitCodeFor(seen.status());
  }
  controller::ClusterState state;
  controller::LoadIntoState(*current, state);
  absl::StatusOr<controller::Suggestion> s = controller::SuggestPolicies(
      state, seen->connections,
      {options.namespace_, options.pod, options.inputs.since});
  if (!s.ok()) {
    err << "podwall suggest: " << s.status().message() << "\n";
    return ExitCodeFor(s.status());
  }
  out << s->yaml;
  err << "podwall suggest: " << s->policies << " policies from "
      << s->connections << " recorded connection(s)\n";
  return kExitOk;
}

}  // namespace podwall::cli
