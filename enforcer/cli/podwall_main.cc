// podwall: the operator's command line. Sub-commands arrive with the pieces
// they drive; see README.md for what works today.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "enforcer/cli/compile_command.h"
#include "enforcer/cli/exit_codes.h"
#include "enforcer/cli/flows_command.h"
#include "enforcer/cli/replay_commands.h"
#include "enforcer/cli/status_command.h"
#include "enforcer/cli/trace_command.h"
#include "enforcer/cli/validate_command.h"

int main(int argc, char** argv) {
  using namespace podwall::cli;
  CLI::App app{"podwall: Kubernetes NetworkPolicy compiled to nftables"};
  app.require_subcommand(1);

  ValidateOptions validate;
  std::string validate_output = "text";
  CLI::App* validate_cmd = app.add_subcommand(
      "validate",
      "Decode and validate manifests (Namespace, Pod, NetworkPolicy) as the "
      "Kubernetes API server would; touches nothing");
  validate_cmd
      ->add_option("-f,--filename", validate.paths,
                   "manifest files or directories ('-' for stdin)")
      ->required();
  validate_cmd->add_option("-o,--output", validate_output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  ApplyOptions apply;
  CLI::App* apply_cmd = app.add_subcommand(
      "apply", "Compile manifests for this node and apply them");
  apply_cmd
      ->add_option("-f,--filename", apply.paths,
                   "manifest files or directories ('-' for stdin)")
      ->required();
  apply_cmd->add_option("--node-name", apply.node_name,
                        "node to compile for (default: hostname)");
  apply_cmd->add_flag("--dry-run", apply.dry_run,
                      "print what would be applied; touch nothing");
  apply_cmd
      ->add_option("--output", apply.output,
                   "with --dry-run: nft (nft(8) text, the default) or ir (the "
                   "compiled IR as JSON)")
      ->check(CLI::IsMember({"ir", "nft"}));

  CLI::App* uninstall_cmd = app.add_subcommand(
      "uninstall", "Delete podwall's nftables tables (and nothing else)");

  ExplainOptions explain;
  std::string explain_output = "table";
  int family = 0;
  CLI::App* explain_cmd = app.add_subcommand(
      "explain",
      "Say whether a connection is allowed, and which policies and rules "
      "decide it on each side");
  explain_cmd
      ->add_option("-f,--filename", explain.paths,
                   "manifest files or directories ('-' for stdin)")
      ->required();
  explain_cmd->add_option("--from", explain.from, "NAMESPACE/POD or IP")
      ->required();
  explain_cmd->add_option("--to", explain.to, "NAMESPACE/POD or IP")
      ->required();
  explain_cmd->add_option("--port", explain.port, "N[/tcp|udp|sctp]")
      ->required();
  explain_cmd->add_option("--family", family, "4 or 6 (default: 4 if both)")
      ->check(CLI::IsMember({4, 6}));
  explain_cmd->add_option("-o,--output", explain_output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  StatusOptions status;
  std::string status_output = "table";
  CLI::App* status_cmd = app.add_subcommand(
      "status", "What podwalld reports: synced?, generation, sources, counts");
  status_cmd->add_option("--socket", status.socket_path,
                         "podwalld's control socket (default "
                         "/run/podwall/podwall.sock)");
  status_cmd->add_option("-o,--output", status_output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  FlowsOptions flows;
  std::string flows_output = "table";
  std::map<std::string, std::string> flow_filters;
  CLI::App* flows_cmd = app.add_subcommand(
      "flows",
      "Who talked to whom, and which policy allowed it or why it was denied "
      "(from podwalld)");
  flows_cmd->add_flag("-f,--follow", flows.follow, "stream new records");
  auto filter = [&](const char* flag, const char* key, const char* help) {
    flows_cmd->add_option_function<std::string>(
        flag,
        [&flow_filters, key](const std::string& v) { flow_filters[key] = v; },
        help);
  };
  filter("--since", "since", "only records newer than this (30s, 5m, 2h)");
  filter("--last", "last", "at most the N newest records");
  filter("-n,--namespace", "namespace", "either side in NAMESPACE");
  filter("--pod", "pod", "either side is NAMESPACE/POD");
  filter("--from", "from", "source NAMESPACE/POD, NAMESPACE/ or IP");
  filter("--to", "to", "destination NAMESPACE/POD, NAMESPACE/ or IP");
  filter("--verdict", "verdict", "allow, deny or audit");
  filter("--policy", "policy",
         "records naming NAMESPACE/NAME (a ClusterNetworkPolicy: NAME)");
  filter("--port", "port", "destination port");
  filter("--proto", "proto", "TCP, UDP, SCTP, ...");
  flows_cmd->add_option("--socket", flows.socket_path,
                        "podwalld's control socket");
  flows_cmd->add_option("-o,--output", flows_output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  TraceOptions trace;
  std::string trace_output = "table";
  CLI::App* trace_cmd = app.add_subcommand(
      "trace",
      "Trace a connection in the kernel (podwalld arms nftables tracing for "
      "it) and compare the path with what explain predicts");
  trace_cmd->add_option("--from", trace.from, "NAMESPACE/POD")->required();
  trace_cmd->add_option("--to", trace.to, "NAMESPACE/POD or IP")->required();
  trace_cmd->add_option("--port", trace.port, "N[/tcp|udp|sctp]")->required();
  trace_cmd->add_flag("--probe", trace.probe,
                      "send one connection attempt from the source pod");
  trace_cmd->add_option("--wait", trace.wait,
                        "how long to wait for a packet (default 10s, at "
                        "most 60s)");
  trace_cmd->add_option("--family", trace.family, "4 or 6")
      ->check(CLI::IsMember({4, 6}));
  trace_cmd->add_option("--socket", trace.socket_path,
                        "podwalld's control socket");
  trace_cmd->add_option("-o,--output", trace_output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  auto replay_inputs = [](CLI::App* cmd, ReplayInputs& in) {
    cmd->add_option("--since", in.since,
                    "only connections recorded this recently (30m, 2h, 1d)");
    cmd->add_option("--flow-log", in.flow_log,
                    "a flow-log file instead of podwalld's ring");
    cmd->add_option("--cluster", in.cluster,
                    "manifests of the cluster instead of what podwalld "
                    "enforces (files or directories)");
    cmd->add_option("--socket", in.socket_path, "podwalld's control socket");
  };
  WhatIfOptions what_if;
  std::string what_if_output = "table";
  CLI::App* what_if_cmd = app.add_subcommand(
      "what-if",
      "Replay recorded connections against proposed policies: which would "
      "be denied or newly allowed (exit 1 if an allowed one breaks)");
  what_if_cmd
      ->add_option("-f,--filename", what_if.proposed,
                   "proposed NetworkPolicies / ClusterNetworkPolicies")
      ->required();
  what_if_cmd->add_flag("--delete", what_if.remove,
                        "the proposal removes these objects");
  replay_inputs(what_if_cmd, what_if.inputs);
  what_if_cmd->add_option("-o,--output", what_if_output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  SuggestOptions suggest;
  CLI::App* suggest_cmd = app.add_subcommand(
      "suggest",
      "Write least-privilege NetworkPolicies allowing exactly the recorded "
      "connections of a namespace or pod");
  suggest_cmd->add_option("-n,--namespace", suggest.namespace_, "NAMESPACE");
  suggest_cmd->add_option("--pod", suggest.pod, "NAMESPACE/POD");
  replay_inputs(suggest_cmd, suggest.inputs);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }

  if (validate_cmd->parsed()) {
    validate.json_output = validate_output == "json";
    return RunValidate(validate, std::cout, std::cerr);
  }
  if (apply_cmd->parsed()) return RunApply(apply, std::cout, std::cerr);
  if (uninstall_cmd->parsed()) return RunUninstall(std::cout, std::cerr);
  if (flows_cmd->parsed()) {
    flows.json_output = flows_output == "json";
    flows.color = isatty(1) == 1;
    flows.filters = flow_filters;
    return RunFlows(flows, std::cout, std::cerr);
  }
  if (status_cmd->parsed()) {
    status.json_output = status_output == "json";
    return RunStatus(status, std::cout, std::cerr);
  }
  if (what_if_cmd->parsed()) {
    what_if.json_output = what_if_output == "json";
    return RunWhatIf(what_if, std::cout, std::cerr);
  }
  if (suggest_cmd->parsed()) return RunSuggest(suggest, std::cout, std::cerr);
  if (trace_cmd->parsed()) {
    trace.json_output = trace_output == "json";
    return RunTrace(trace, std::cout, std::cerr);
  }
  if (explain_cmd->parsed()) {
    explain.json_output = explain_output == "json";
    if (family != 0) explain.family = family;
    return RunExplain(explain, std::cout, std::cerr);
  }
  return kExitBadInput;
}
