#ifndef PODWALL_ENFORCER_CNI_CNI_PLUGIN_H_
#define PODWALL_ENFORCER_CNI_CNI_PLUGIN_H_

// podwall-cni: a chained CNI plugin (spec 1.0.0; also accepts 0.3.x and
// 0.4.0 results). It goes after the plugin that makes the pod's veth
// (bridge, ptp, ...) in a .conflist:
//   ADD     reads prevResult (the pod's addresses, the host-side veth) and
//           K8S_POD_NAMESPACE/K8S_POD_NAME from CNI_ARGS, reports them to
//           podwalld (POST /v1/endpoints) and returns only once podwalld
//           says the pod's rules are in the kernel; then prints prevResult
//           unchanged. Any failure fails the ADD (the runtime retries), so
//           a pod never starts unprotected.
//   DEL     tells podwalld (POST /v1/endpoints/delete); never fails.
//   CHECK   asks podwalld whether it knows and enforces the pod.
//   VERSION prints the versions it speaks.
// Plugin configuration: "socket" (podwalld's control socket, default
// /run/podwall/podwall.sock) and "timeoutSeconds" (default 15).

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace podwall::cni {

// What the runtime passes: CNI_* environment variables and stdin.
struct CniCall {
  std::string command;  // ADD, DEL, CHECK, VERSION
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::string args;  // CNI_ARGS: "K=V;K=V"
  std::string config;
};

// Talks to podwalld: (method, target, JSON body, timeout seconds) -> HTTP
// status and body. The real one is DaemonRequest over the socket.
struct DaemonAnswer {
  int status = 0;
  std::string body;
};
using DaemonCall = std::function<absl::StatusOr<DaemonAnswer>(
    const std::string& socket, const std::string& method,
    const std::string& target, const std::string& body, int timeout)>;

// Runs one call: writes the result (or the CNI error object) to `out` and
// returns the exit code.
int RunCni(const CniCall& call, const DaemonCall& daemon, std::ostream& out);

// "IgnoreUnknown=1;K8S_POD_NAMESPACE=x" -> map.
std::map<std::string, std::string> ParseCniArgs(std::string_view args);

}  // namespace podwall::cni

#endif  // PODWALL_ENFORCER_CNI_CNI_PLUGIN_H_
