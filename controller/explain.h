#ifndef PODWALL_CONTROLLER_EXPLAIN_H_
#define PODWALL_CONTROLLER_EXPLAIN_H_

// `podwall explain`: resolve the two ends a user names, ask the reference
// evaluator, and render the answer as a table or JSON.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "controller/cluster_state.h"
#include "controller/reference_evaluator.h"

namespace podwall::controller {

struct ExplainRequest {
  std::string from;  // "namespace/pod" or an IP address.
  std::string to;
  std::string port;                        // "80", "80/tcp", "53/UDP".
  std::optional<schema::IpFamily> family;  // Default: IPv4 when both can.
};

struct Explanation {
  ConnectionEnd src;
  ConnectionEnd dst;
  std::string src_name;  // "x/a" or the address.
  std::string dst_name;
  ir::Protocol protocol = ir::Protocol::kTCP;
  uint16_t port = 0;
  Verdict verdict;
};

// InvalidArgument names the flag at fault (unknown pod, bad port, no
// address in the requested family).
absl::StatusOr<Explanation> Explain(const ClusterState& state,
                                    const ExplainRequest& request);

std::string ExplanationToJson(const Explanation& e);
std::string ExplanationToTable(const Explanation& e);

}  // namespace podwall::controller

#endif  // PODWALL_CONTROLLER_EXPLAIN_H_
