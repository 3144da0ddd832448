// podwall-cni: the chained CNI plugin (see cni_plugin.h). The runtime runs
// it with CNI_* in the environment and the network configuration on stdin.

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "enforcer/cli/daemon_client.h"
#include "enforcer/cni/cni_plugin.h"

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

int main() {
  podwall::cni::CniCall call;
  call.command = Env("CNI_COMMAND");
  call.container_id = Env("CNI_CONTAINERID");
  call.netns = Env("CNI_NETNS");
  call.ifname = Env("CNI_IFNAME");
  call.args = Env("CNI_ARGS");
  if (call.command != "VERSION" || !std::cin.eof()) {
    call.config.assign(std::istreambuf_iterator<char>(std::cin),
                       std::istreambuf_iterator<char>());
  }
  auto daemon = [](const std::string& socket, const std::string& method,
                   const std::string& target, const std::string& body,
                   int timeout) -> absl::StatusOr<podwall::cni::DaemonAnswer> {
    absl::StatusOr<podwall::cli::DaemonReply> r =
        podwall::cli::DaemonRequest(socket, method, target, body, timeout);
    if (!r.ok()) return r.status();
    return podwall::cni::DaemonAnswer{r->status, r->body};
  };
  return podwall::cni::RunCni(call, daemon, std::cout);
}
