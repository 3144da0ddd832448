#include "enforcer/cli/status_command.h"

#include <simdjson.h>

#include <sstream>

#include "enforcer/cli/daemon_client.h"
#include "enforcer/cli/exit_codes.h"
#include "policy-schema/json_fields.h"

namespace podwall::cli {
namespace {

// Each string of `array` on a line of its own, after `prefix`.
void PrintLines(simdjson::simdjson_result<simdjson::dom::element> array,
                std::string_view prefix, std::ostringstream& out) {
  simdjson::dom::array lines;
  if (array.get_array().get(lines)) return;
  for (simdjson::dom::element e : lines) {
    std::string_view text;
    if (!e.get_string().get(text)) out << prefix << text << "\n";
  }
}

}  // namespace

std::string FormatStatus(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return json;
  std::ostringstream out;
  const bool ready = schema::JsonBool(doc, "ready");
  const bool synced = schema::JsonBool(doc, "synced");
  out << "podwalld on " << schema::JsonString(doc, "node") << ": "
      << (ready ? "ready" : "starting") << ", "
      << (synced ? "synced" : "NOT synced") << " (generation "
      << schema::JsonUint(doc, "generation");
  const std::string last = schema::JsonString(doc, "last_sync_time");
  if (!last.empty()) out << ", last change applied " << last;
  out << ")"
      << (schema::JsonBool(doc, "audit") ? " [audit mode: nothing is dropped]"
                                         : "")
      << "\n";
  const std::string error = schema::JsonString(doc, "last_error");
  if (!error.empty()) out << "last error: " << error << "\n";
  simdjson::dom::array sources;
  if (!doc["sources"].get_array().get(sources)) {
    out << "sources:\n";
    for (simdjson::dom::element s : sources) {
      out << "  " << schema::JsonString(s, "name") << " "
          << schema::JsonString(s, "target") << ": "
          << (schema::JsonBool(s, "ok") ? "ok"
              : schema::JsonBool(s, "synced")
                  ? "INVALID INPUT"
                  : "NOT SYNCED (waiting for a complete view)")
          << ", " << schema::JsonUint(s, "objects") << " objects\n";
      PrintLines(s["errors"], "    ", out);
      PrintLines(s["warnings"], "    warning: ", out);
    }
  }
  simdjson::dom::array problems;
  if (!doc["enforcement_problems"].get_array().get(problems) &&
      problems.size() > 0) {
    out << "NOT ENFORCING FULLY:\n";
    PrintLines(doc["enforcement_problems"], "  ", out);
  }
  simdjson::dom::element file;
  uint64_t lines_lost = 0;
  if (!doc["flow_log_file"].get(file) && !file["lines_lost"].get(lines_lost) &&
      lines_lost > 0) {
    out << "flow log file: " << lines_lost << " lines lost ("
        << schema::JsonString(file, "last_error") << ")\n";
  }
  simdjson::dom::array conflicts;
  if (!doc["address_conflicts"].get_array().get(conflicts) &&
      conflicts.size() > 0) {
    out << "address conflicts (the holder enforces the address):\n";
    for (simdjson::dom::element c : conflicts) {
      out << "  " << schema::JsonString(c, "address") << " held by "
          << schema::JsonString(c, "holder") << "\n";
    }
  }
  simdjson::dom::element c;
  if (!doc["counts"].get(c)) {
    out << "cluster: " << schema::JsonUint(c, "namespaces") << " namespaces, "
        << schema::JsonUint(c, "pods") << " pods, "
        << schema::JsonUint(c, "policies") << " policies, "
        << schema::JsonUint(c, "cluster_policies")
        << " cluster policies\nnode: " << schema::JsonUint(c, "local_endpoints")
        << " local pods, " << schema::JsonUint(c, "compiled_rules")
        << " policy rules -> " << schema::JsonUint(c, "chains") << " chains, "
        << schema::JsonUint(c, "rules") << " nft rules, "
        << schema::JsonUint(c, "sets") << " sets ("
        << schema::JsonUint(c, "set_elements") << " elements), "
        << schema::JsonUint(c, "guarded_interfaces") << " guarded interfaces, "
        << schema::JsonUint(c, "cni_endpoints") << " reported by podwall-cni\n";
  }
  simdjson::dom::array guarded;
  if (!doc["guarded_networks"].get_array().get(guarded) && guarded.size() > 0) {
    out << "guarded pod networks (unknown addresses dropped):";
    for (simdjson::dom::element n : guarded) {
      std::string_view text;
      if (!n.get_string().get(text)) out << " " << text;
    }
    out << "\n";
  }
  return out.str();
}

int RunStatus(const StatusOptions& options, std::ostream& out,
              std::ostream& err) {
  const std::string socket =
      options.socket_path.empty() ? kDefaultSocket : options.socket_path;
  absl::StatusOr<DaemonReply> reply = DaemonGet(socket, "/v1/status");
  if (!reply.ok()) {
    err << "podwall status: " << reply.status().message() << "\n";
    return kExitRuntimeFailure;
  }
  if (reply->status != 200) {
    err << "podwall status: podwalld answered " << reply->status << ": "
        << reply->body;
    return kExitRuntimeFailure;
  }
  out << (options.json_output ? reply->body : FormatStatus(reply->body));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  bool synced = false;
  if (!parser.parse(reply->body).get(doc))
    synced = schema::JsonBool(doc, "synced");
  return synced ? kExitOk : kExitRuntimeFailure;
}

}  // namespace podwall::cli
