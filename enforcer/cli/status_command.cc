#include "enforcer/cli/status_command.h"

#include <simdjson.h>

#include <sstream>

#include "enforcer/cli/daemon_client.h"
#include "enforcer/cli/exit_codes.h"

namespace podwall::cli {
namespace {

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v)) return "";
  return std::string(v);
}

uint64_t Num(simdjson::dom::element e, const char* key) {
  uint64_t v = 0;
  if (e[key].get_uint64().get(v)) return 0;
  return v;
}

bool Flag(simdjson::dom::element e, const char* key) {
  bool v = false;
  if (e[key].get_bool().get(v)) return false;
  return v;
}

}  // namespace

std::string FormatStatus(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return json;
  std::ostringstream out;
  const bool ready = Flag(doc, "ready");
  const bool synced = Flag(doc, "synced");
  out << "podwalld on " << Str(doc, "node") << ": "
      << (ready ? "ready" : "starting") << ", "
      << (synced ? "synced" : "NOT synced") << " (generation "
      << Num(doc, "generation");
  const std::string last = Str(doc, "last_sync_time");
  if (!last.empty()) out << ", last change applied " << last;
  out << ")" << (Flag(doc, "audit") ? " [audit mode: nothing is dropped]" : "")
      << "\n";
  const std::string error = Str(doc, "last_error");
  if (!error.empty()) out << "last error: " << error << "\n";
  simdjson::dom::array sources;
  if (!doc["sources"].get_array().get(sources)) {
    out << "sources:\n";
    for (simdjson::dom::element s : sources) {
      out << "  " << Str(s, "name") << " " << Str(s, "target") << ": "
          << (Flag(s, "ok")       ? "ok"
              : Flag(s, "synced") ? "INVALID INPUT"
                                  : "NOT SYNCED (waiting for a complete view)")
          << ", " << Num(s, "objects") << " objects\n";
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
    out << "cluster: " << Num(c, "namespaces") << " namespaces, "
        << Num(c, "pods") << " pods, " << Num(c, "policies")
        << " policies\nnode: " << Num(c, "local_endpoints") << " local pods, "
        << Num(c, "compiled_rules") << " policy rules -> " << Num(c, "chains")
        << " chains, " << Num(c, "rules") << " nft rules, " << Num(c, "sets")
        << " sets (" << Num(c, "set_elements") << " elements), "
        << Num(c, "guarded_interfaces") << " guarded interfaces, "
        << Num(c, "cni_endpoints") << " reported by podwall-cni\n";
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
  if (!parser.parse(reply->body).get(doc)) synced = Flag(doc, "synced");
  return synced ? kExitOk : kExitRuntimeFailure;
}

}  // namespace podwall::cli
