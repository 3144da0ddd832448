#include "enforcer/cli/status_command.h"

#include <simdjson.h>

#include <sstream>

#include "enforcer/cli/daemon_client.h"
#include "enforcer/cli/exit_codes.h"
#include "policy-schema/json_fields.h"

namespace podwall::cli {

std::string FormatStatus(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return json;
  std::ostringstream out;
  const bool ready = json::Bool(doc, "ready");
  const bool synced = json::Bool(doc, "synced");
  out << "podwalld on " << json::String(doc, "node") << ": "
      << (ready ? "ready" : "starting") << ", "
      << (synced ? "synced" : "NOT synced") << " (generation "
      << json::Uint(doc, "generation");
  const std::string last = json::String(doc, "last_sync_time");
  if (!last.empty()) out << ", last change applied " << last;
  out << ")"
      << (json::Bool(doc, "audit") ? " [audit mode: nothing is dropped]" : "")
      << "\n";
  const std::string error = json::String(doc, "last_error");
  if (!error.empty()) out << "last error: " << error << "\n";
  simdjson::dom::array sources;
  if (!doc["sources"].get_array().get(sources)) {
    out << "sources:\n";
    for (simdjson::dom::element s : sources) {
      out << "  " << json::String(s, "name") << " " << json::String(s, "target")
          << ": "
          << (json::Bool(s, "ok") ? "ok"
              : json::Bool(s, "synced")
                  ? "INVALID INPUT"
                  : "NOT SYNCED (waiting for a complete view)")
          << ", " << json::Uint(s, "objects") << " objects\n";
      simdjson::dom::array errors;
      if (!s["errors"].get_array().get(errors)) {
        for (simdjson::dom::element e : errors) {
          std::string_view text;
          if (!e.get_string().get(text)) out << "    " << text << "\n";
        }
      }
    }
  }
  simdjson::dom::element c;
  if (!doc["counts"].get(c)) {
    out << "cluster: " << json::Uint(c, "namespaces") << " namespaces, "
        << json::Uint(c, "pods") << " pods, " << json::Uint(c, "policies")
        << " policies\nnode: " << json::Uint(c, "local_endpoints")
        << " local pods, " << json::Uint(c, "compiled_rules")
        << " policy rules -> " << json::Uint(c, "chains") << " chains, "
        << json::Uint(c, "rules") << " nft rules, " << json::Uint(c, "sets")
        << " sets (" << json::Uint(c, "set_elements") << " elements), "
        << json::Uint(c, "guarded_interfaces") << " guarded interfaces, "
        << json::Uint(c, "cni_endpoints") << " reported by podwall-cni\n";
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
  if (!parser.parse(reply->body).get(doc)) synced = json::Bool(doc, "synced");
  return synced ? kExitOk : kExitRuntimeFailure;
}

}  // namespace podwall::cli
