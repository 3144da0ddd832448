#include "enforcer/cli/trace_command.h"

#include <simdjson.h>

#include <charconv>

#include "absl/strings/str_cat.h"
#include "enforcer/cli/daemon_client.h"
#include "enforcer/cli/exit_codes.h"
#include "policy-schema/json_fields.h"
#include "policy-schema/json_writer.h"

namespace podwall::cli {

absl::StatusOr<std::chrono::milliseconds> ParseDuration(
    const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [rest, ec] = std::from_chars(text.data(), end, value);
  const std::string unit(rest, end);
  if (ec != std::errc() || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("duration \"", text, "\": want N[ms|s|m|h]"));
  }
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit.empty() || unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::minutes(value);
  if (unit == "h") return std::chrono::hours(value);
  return absl::InvalidArgumentError(
      absl::StrCat("duration \"", text, "\": want N[ms|s|m|h]"));
}

int RunTrace(const TraceOptions& options, std::ostream& out,
             std::ostream& err) {
  absl::StatusOr<std::chrono::milliseconds> wait = ParseDuration(options.wait);
  if (!wait.ok()) {
    err << "podwall trace: --wait " << wait.status().message() << "\n";
    return kExitBadInput;
  }
  schema::JsonWriter w;
  w.BeginObject().Key("from").String(options.from);
  w.Key("to").String(options.to).Key("port").String(options.port);
  w.Key("waitMs").Uint(static_cast<uint64_t>(wait->count()));
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
