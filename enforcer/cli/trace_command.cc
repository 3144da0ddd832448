#include "enforcer/cli/trace_command.h"

#include <simdjson.h>

#include "absl/strings/str_cat.h"
#include "enforcer/cli/daemon_client.h"
#include "enforcer/cli/exit_codes.h"
#include "enforcer/flowlog/flow_record.h"
#include "policy-schema/json_fields.h"
#include "policy-schema/json_writer.h"

namespace podwall::cli {

int RunTrace(const TraceOptions& options, std::ostream& out,
             std::ostream& err) {
  absl::StatusOr<std::chrono::seconds> wait =
      flowlog::ParseDuration(options.wait);
  if (!wait.ok()) {
    err << "podwall trace: --wait " << wait.status().message() << "\n";
    return kExitBadInput;
  }
  schema::JsonWriter w;
  w.BeginObject().Key("from").String(options.from);
  w.Key("to").String(options.to).Key("port").String(options.port);
  w.Key("waitMs").Uint(static_cast<uint64_t>(wait->count()) * 1000);
  w.Key("probe").Bool(options.probe);
  if (options.family != 0) w.Key("family").Int(options.family);
  w.EndObject();
  const int timeout =
      static_cast<int>(
          std::chrono::duration_cast<std::chrono::seconds>(*wait).count()) +
      15;
  absl::StatusOr<DaemonReply> reply = DaemonRequest(
      options.socket_path.empty() ? kDefaultSocket : options.socket_path,
      "POST", "/v1/trace", w.str(), timeout);
  if (!reply.ok()) {
    err << "podwall trace: " << reply.status().message() << "\n";
    return kExitRuntimeFailure;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(reply->body).get(doc) || !doc.is_object()) {
    err << "podwall trace: podwalld answered HTTP " << reply->status << ": "
        << reply->body << "\n";
    return kExitRuntimeFailure;
  }
  if (reply->status != 200) {
    err << "podwall trace: " << schema::JsonString(doc, "error") << "\n";
    return reply->status == 400 ? kExitBadInput : kExitRuntimeFailure;
  }
  if (options.json_output) {
    out << reply->body;
    if (!reply->body.empty() && reply->body.back() != '\n') out << "\n";
  } else {
    out << schema::JsonString(doc, "text");
  }
  if (!schema::JsonBool(doc, "traced")) return kExitRuntimeFailure;
  return schema::JsonBool(doc, "agree") ? kExitOk : kExitDisagree;
}

}  // namespace podwall::cli
