#ifndef PODWALL_ENFORCER_CLI_DAEMON_CLIENT_H_
#define PODWALL_ENFORCER_CLI_DAEMON_CLIENT_H_

// Talks to podwalld's control socket (HTTP over a unix socket): every
// `podwall` query of the daemon goes through here.

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace podwall::cli {

inline constexpr char kDefaultSocket[] = "/run/podwall/podwall.sock";

struct DaemonReply {
  int status = 0;
  std::string body;
};

// GET `target` ("/v1/status"). Unavailable when the daemon is not running
// (no socket, or nobody listening), with a message that says so.
absl::StatusOr<DaemonReply> DaemonGet(const std::string& socket_path,
                                      const std::string& target);

// Any request, with `body` (JSON) for a POST, waiting up to
// `timeout_seconds` for each read. The reply is read until the daemon
// closes the connection (a reply that comes after a sync, too).
absl::StatusOr<DaemonReply> DaemonRequest(const std::string& socket_path,
                                          const std::string& method,
                                          const std::string& target,
                                          const std::string& body,
                                          int timeout_seconds);

// GET `target` and hand each line of the body to `on_line` as it arrives,
// until the daemon closes the stream (or `on_line` returns false). For
// endpoints that stream (GET /v1/flows?follow=1). Returns the HTTP status.
absl::StatusOr<int> DaemonStreamLines(
    const std::string& socket_path, const std::string& target,
    const std::function<bool(std::string_view line)>& on_line);

}  // namespace podwall::cli

#endif  // PODWALL_ENFORCER_CLI_DAEMON_CLIENT_H_
