#include "enforcer/cni/cni_plugin.h"

#include <simdjson.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "enforcer/cli/daemon_client.h"
#include "policy-schema/json_fields.h"
#include "policy-schema/json_writer.h"

namespace podwall::cni {
namespace {

using simdjson::dom::element;

// CNI's well-known error codes, and ours (100+).
constexpr int kIncompatibleVersion = 1;
constexpr int kInvalidEnvironment = 4;
constexpr int kDecodeError = 6;
constexpr int kInvalidConfig = 7;
constexpr int kTryAgainLater = 11;
constexpr int kNotEnforced = 100;

constexpr const char* kVersions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0"};

struct Failure {
  int code;
  std::string msg;
  std::string details;
};

int Fail(std::ostream& out, const std::string& version, const Failure& f) {
  schema::JsonWriter w;
  w.BeginObject();
  w.Key("cniVersion").String(version.empty() ? "1.0.0" : version);
  w.Key("code").Uint(f.code);
  w.Key("msg").String(f.msg);
  if (!f.details.empty()) w.Key("details").String(f.details);
  w.EndObject();
  out << w.str() << "\n";
  return 1;
}

struct Config {
  std::string version;
  std::string socket = cli::kDefaultSocket;
  int timeout = 15;
  std::string prev_result;  // Raw JSON, printed back on ADD.
  std::vector<std::string> ips;
  std::string host_interface;
};

// The plugin configuration and, when present, prevResult's addresses and
// host-side interface.
std::optional<Failure> ParseConfig(const std::string& text, Config& c) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(text).get(doc) || !doc.is_object()) {
    return Failure{kDecodeError, "podwall-cni: the configuration is not JSON",
                   ""};
  }
  c.version = schema::JsonString(doc, "cniVersion");
  if (std::find(std::begin(kVersions), std::end(kVersions), c.version) ==
      std::end(kVersions)) {
    return Failure{kIncompatibleVersion,
                   "podwall-cni: unsupported cniVersion \"" + c.version + "\"",
                   "supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0"};
  }
  if (std::string s = schema::JsonString(doc, "socket"); !s.empty())
    c.socket = s;
  int64_t timeout = 0;
  if (!doc["timeoutSeconds"].get_int64().get(timeout)) {
    if (timeout < 1 || timeout > 600) {
      return Failure{kInvalidConfig,
                     "podwall-cni: timeoutSeconds must be 1..600", ""};
    }
    c.timeout = static_cast<int>(timeout);
  }
  element prev;
  if (doc["prevResult"].get(prev)) return std::nullopt;
  c.prev_result = simdjson::minify(prev);
  // The host side: the interface outside the sandbox listed just before the
  // first one inside it (the veth: after the bridge with the bridge plugin,
  // alone with ptp). Plugins later in the chain append theirs after the
  // sandbox's (the bandwidth plugin's IFB device), and those are not the
  // pod's.
  simdjson::dom::array interfaces;
  if (!prev["interfaces"].get_array().get(interfaces)) {
    std::string last_host;
    for (element i : interfaces) {
      const std::string name = schema::JsonString(i, "name");
      if (name.empty()) continue;
      if (!schema::JsonString(i, "sandbox").empty()) {
        c.host_interface = last_host;
        break;
      }
      last_host = name;
    }
  }
  simdjson::dom::array ips;
  if (!prev["ips"].get_array().get(ips)) {
    for (element ip : ips) {
      std::string address = schema::JsonString(ip, "address");
      address = address.substr(0, address.find('/'));
      if (!address.empty()) c.ips.push_back(std::move(address));
    }
  }
  return std::nullopt;
}

std::string EndpointBody(const std::map<std::string, std::string>& args,
                         const CniCall& call, const Config& c,
                         bool with_addresses) {
  schema::JsonWriter w;
  w.BeginObject();
  w.Key("namespace").String(args.at("K8S_POD_NAMESPACE"));
  w.Key("name").String(args.at("K8S_POD_NAME"));
  w.Key("containerID").String(call.container_id);
  if (with_addresses) {
    w.Key("interface").String(c.host_interface);
    w.Key("ips").BeginArray();
    for (const std::string& ip : c.ips) w.String(ip);
    w.EndArray();
    // podwalld answers within this, so its reason arrives before ours.
    w.Key("timeoutSeconds").Uint(std::max(1, c.timeout - 1));
  }
  w.EndObject();
  return w.str();
}

// The daemon's {"ok":..,"error":..} answer.
std::optional<Failure> Judge(const absl::StatusOr<DaemonAnswer>& answer,
                             const std::string& what) {
  if (!answer.ok()) {
    return Failure{kTryAgainLater,
                   "podwall-cni: " + what + ": podwalld is not reachable",
                   std::string(answer.status().message())};
  }
  simdjson::dom::parser parser;
  element doc;
  bool ok = false;
  if (answer->status != 200 || parser.parse(answer->body).get(doc) ||
      doc["ok"].get_bool().get(ok) || !ok) {
    std::string error = doc.is_object() ? schema::JsonString(doc, "error") : "";
    if (error.empty()) {
      error =
          answer->body.empty() ? "no answer before the timeout" : answer->body;
    }
    return Failure{kNotEnforced,
                   "podwall-cni: " + what + ": podwalld did not enforce",
                   error};
  }
  return std::nullopt;
}

}  // namespace

std::map<std::string, std::string> ParseCniArgs(std::string_view args) {
  std::map<std::string, std::string> out;
  while (!args.empty()) {
    const std::size_t semi = args.find(';');
    std::string_view pair = args.substr(0, semi);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos) {
      out[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    }
    if (semi == std::string_view::npos) break;
    args.remove_prefix(semi + 1);
  }
  return out;
}

int RunCni(const CniCall& call, const DaemonCall& daemon, std::ostream& out) {
  if (call.command == "VERSION") {
    schema::JsonWriter w;
    w.BeginObject();
    w.Key("cniVersion").String("1.0.0");
    w.Key("supportedVersions").BeginArray();
    for (const char* v : kVersions) w.String(v);
    w.EndArray();
    w.EndObject();
    out << w.str() << "\n";
    return 0;
  }
  Config config;
  if (auto f = ParseConfig(call.config, config)) {
    // DEL must succeed whatever state things are in.
    if (call.command == "DEL") return 0;
    return Fail(out, config.version, *f);
  }
  const std::map<std::string, std::string> args = ParseCniArgs(call.args);
  const bool has_pod =
      args.contains("K8S_POD_NAMESPACE") && args.contains("K8S_POD_NAME");

  if (call.command == "DEL") {
    if (has_pod) {
      (void)daemon(config.socket, "POST", "/v1/endpoints/delete",
                   EndpointBody(args, call, config, false), config.timeout);
    }
    return 0;
  }
  if (call.command != "ADD" && call.command != "CHECK") {
    return Fail(
        out, config.version,
        {kInvalidEnvironment,
         "podwall-cni: unknown CNI_COMMAND \"" + call.command + "\"", ""});
  }
  if (!has_pod) {
    return Fail(out, config.version,
                {kInvalidEnvironment,
                 "podwall-cni: CNI_ARGS lacks K8S_POD_NAMESPACE and "
                 "K8S_POD_NAME",
                 "podwall enforces per pod; the runtime must say which"});
  }
  if (config.prev_result.empty()) {
    return Fail(out, config.version,
                {kInvalidConfig,
                 "podwall-cni: no prevResult (it must follow the plugin "
                 "that makes the pod's interface)",
                 ""});
  }
  if (call.command == "CHECK") {
    const std::string target =
        absl::StrCat("/v1/endpoints?namespace=", args.at("K8S_POD_NAMESPACE"),
                     "&name=", args.at("K8S_POD_NAME"));
    if (auto f = Judge(daemon(config.socket, "GET", target, "", config.timeout),
                       "CHECK")) {
      return Fail(out, config.version, *f);
    }
    return 0;
  }
  if (config.ips.empty()) {
    return Fail(out, config.version,
                {kInvalidConfig, "podwall-cni: prevResult has no ips", ""});
  }
  if (auto f =
          Judge(daemon(config.socket, "POST", "/v1/endpoints",
                       EndpointBody(args, call, config, true), config.timeout),
                "ADD")) {
    return Fail(out, config.version, *f);
  }
  out << config.prev_result << "\n";
  return 0;
}

}  // namespace podwall::cni
