// podwall: the operator's command line. Sub-commands arrive with the pieces
// they drive; see README.md for what works today.

#include <CLI/CLI.hpp>
#include <iostream>

#include "enforcer/cli/exit_codes.h"
#include "enforcer/cli/validate_command.h"

int main(int argc, char** argv) {
  using namespace podwall::cli;
  CLI::App app{"podwall: Kubernetes NetworkPolicy compiled to nftables"};
  app.require_subcommand(1);

  ValidateOptions validate;
  std::string output = "text";
  CLI::App* validate_cmd = app.add_subcommand(
      "validate",
      "Decode and validate manifests (Namespace, Pod, NetworkPolicy) as the "
      "Kubernetes API server would; touches nothing");
  validate_cmd
      ->add_option("-f,--filename", validate.paths,
                   "manifest files or directories ('-' for stdin)")
      ->required();
  validate_cmd->add_option("-o,--output", output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }

  if (validate_cmd->parsed()) {
    validate.json_output = output == "json";
    return RunValidate(validate, std::cout, std::cerr);
  }
  return kExitBadInput;
}
