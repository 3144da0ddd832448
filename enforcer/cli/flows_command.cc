#include "enforcer/cli/flows_command.h"

#include "absl/strings/str_cat.h"
#include "enforcer/cli/daemon_client.h"
#include "enforcer/cli/exit_codes.h"

namespace podwall::cli {
namespace {

const std::vector<std::string> kHeader = {"TIME",   "VERDICT", "DIR",
                                          "PROTO",  "SOURCE",  "DESTINATION",
                                          "POLICY", "STATE"};

std::string Who(const flowlog::FlowEndpoint& e, bool with_port) {
  std::string who;
  if (e.namespace_ && e.pod) {
    who = *e.namespace_ + "/" + *e.pod;
  } else {
    who = e.ip + (e.kind == "host" ? " (node)" : "");
  }
  if (with_port && e.port != 0) absl::StrAppend(&who, ":", e.port);
  return who;
}

}  // namespace

std::vector<std::string> FlowColumns(const flowlog::ParsedFlow& flow) {
  const flowlog::FlowRecord& r = flow.record;
  // 2026-11-22T13:45:01.123456Z -> 13:45:01.123
  std::string time = flow.time_text.size() >= 23 ? flow.time_text.substr(11, 12)
                                                 : flow.time_text;
  std::string policy = "-";
  if (r.policy) {
    // A ClusterNetworkPolicy by its tier and name: "Admin:guard".
    policy = r.policy->tier.empty()
                 ? r.policy->namespace_ + "/" + r.policy->name
                 : r.policy->tier + ":" + r.policy->name;
    if (r.policy->rule) absl::StrAppend(&policy, " ", *r.policy->rule);
    if (!r.policy->rule_name.empty()) {
      absl::StrAppend(&policy, " (", r.policy->rule_name, ")");
    }
  }
  if (r.isolated_by.size() > 1) {
    // Every isolating policy is in the JSON; the table names the first.
    policy =
        absl::StrCat(r.isolated_by.front(), " +", r.isolated_by.size() - 1);
  }
  std::string state = r.state;
  if (r.state == "closed") {
    absl::StrAppend(&state, " ", r.packets, " pkts ", r.bytes, " B ",
                    r.duration_ms, " ms");
  } else if (r.state == "denied" && r.count > 1) {
    absl::StrAppend(&state, " x", r.count);
  }
  return {time,
          r.verdict,
          r.direction == "ingress" ? "in" : "out",
          r.proto + (r.family == 6 ? "/6" : ""),
          Who(r.src, false),
          Who(r.dst, true),
          policy,
          state};
}

std::string FormatFlowRow(const std::vector<std::string>& columns,
                          std::vector<std::size_t>& widths, bool color) {
  widths.resize(columns.size(), 0);
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    widths[i] = std::max(widths[i], columns[i].size());
    std::string cell = columns[i];
    if (i + 1 < columns.size()) cell.resize(widths[i], ' ');
    if (color && i == 1) {
      const char* code = columns[i] == "allow"   ? "\033[32m"
                         : columns[i] == "deny"  ? "\033[1;31m"
                         : columns[i] == "audit" ? "\033[33m"
                                                 : "";
      if (*code) cell = code + cell + "\033[0m";
    }
    if (i > 0) out += "  ";
    out += cell;
  }
  return out;
}

int RunFlows(const FlowsOptions& options, std::ostream& out,
             std::ostream& err) {
  std::map<std::string, std::string> params = options.filters;
  if (options.follow) params["follow"] = "1";
  const std::string target = "/v1/flows" + flowlog::FlowQueryString(params);
  const std::string socket =
      options.socket_path.empty() ? kDefaultSocket : options.socket_path;
  // Minimum widths so that a followed stream stays aligned.
  std::vector<std::size_t> widths = {12, 7, 3, 5, 14, 18, 24, 6};
  bool header_done = options.json_output;
  // Without --follow: sorted by time (denials are reported once their
  // second is over, after newer records) and aligned.
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  std::string error_body;
  absl::StatusOr<int> status =
      DaemonStreamLines(socket, target, [&](std::string_view line) {
        if (line.empty()) return true;
        if (options.json_output) {
          out << line << "\n";
          out.flush();
          return true;
        }
        absl::StatusOr<flowlog::ParsedFlow> flow =
            flowlog::ParseFlowRecordJson(line);
        if (!flow.ok()) {
          error_body += std::string(line) + "\n";
          return true;
        }
        if (!options.follow) {
          rows.emplace_back(flow->time_text, FlowColumns(*flow));
          return true;
        }
        if (!header_done) {
          out << FormatFlowRow(kHeader, widths, false) << "\n";
          header_done = true;
        }
        out << FormatFlowRow(FlowColumns(*flow), widths, options.color) << "\n";
        out.flush();
        return true;
      });
  if (!status.ok()) {
    err << "podwall flows: " << status.status().message() << "\n";
    return kExitRuntimeFailure;
  }
  if (*status != 200) {
    err << "podwall flows: " << error_body;
    return *status == 400 ? kExitBadInput : kExitRuntimeFailure;
  }
  if (!options.follow && !options.json_output) {
    std::stable_sort(
        rows.begin(), rows.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [time, row] : rows) FormatFlowRow(row, widths, false);
    out << FormatFlowRow(kHeader, widths, false) << "\n";
    for (const auto& [time, row] : rows) {
      out << FormatFlowRow(row, widths, options.color) << "\n";
    }
    if (rows.empty()) err << "no flow records match\n";
  }
  return kExitOk;
}

}  // namespace podwall::cli
