// podwalld: the node daemon. See enforcer/daemon/daemon.h and README.md.

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "enforcer/daemon/daemon.h"
#include "enforcer/daemon/signal_fd.h"

namespace {

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists (the flow-log writer, the sources' threads):
  // the daemon loop reads these from a signalfd, and a thread that had
  // them unblocked would die of them instead.
  if (absl::Status st =
          podwall::daemon::BlockSignals({SIGTERM, SIGINT, SIGHUP});
      !st.ok()) {
    std::cerr << "podwalld: " << st.message() << "\n";
    return 1;
  }
  using namespace podwall::daemon;
  CLI::App app{
      "podwalld: enforces Kubernetes NetworkPolicy on this node's pods with "
      "nftables"};
  DaemonOptions options;
  int verify_seconds = 60;
  int min_interval_ms = 10;
  app.add_option("--node-name", options.node_name,
                 "this node's name (default: hostname)");
  app.add_option("--manifests", options.manifest_dirs,
                 "a directory of Namespace/Pod/NetworkPolicy manifests to "
                 "follow (repeatable)")
      ->check(CLI::ExistingDirectory);
  std::string kubeconfig;
  std::string context;
  bool in_cluster = false;
  app.add_option("--kubeconfig", kubeconfig,
                 "follow Namespaces, Pods and NetworkPolicies of the cluster "
                 "this kubeconfig points at")
      ->check(CLI::ExistingFile);
  app.add_option("--context", context,
                 "with --kubeconfig: the context (default: current-context)");
  app.add_flag("--in-cluster", in_cluster,
               "follow the cluster this pod runs in (service account)");
  std::string docker;
  app.add_flag("--docker{/var/run/docker.sock}", docker,
               "treat this host's Docker containers as pods: --docker, or "
               "--docker=SOCKET for another engine socket");
  app.add_option("--socket", options.socket_path,
                 "control socket (HTTP over unix)")
      ->capture_default_str();
  app.add_option("--metrics-address", options.metrics_address,
                 "HOST:PORT for /metrics, /healthz, /readyz (port 0 picks "
                 "one; empty disables)")
      ->capture_default_str();
  app.add_flag("--audit", options.audit,
               "install everything but drop nothing: would-be denials are "
               "counted and logged to the flow log");
  std::string established = "cut";
  app.add_option("--established", established,
                 "cut: after each sync, end the established connections the "
                 "policy now denies; keep: leave them until they end")
      ->check(CLI::IsMember({"cut", "keep"}))
      ->capture_default_str();
  app.add_option("--verify-interval", verify_seconds,
                 "seconds between read-backs of the kernel that repair drift")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--min-sync-interval", min_interval_ms,
                 "milliseconds between syncs; changes in between coalesce")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  int flow_log_max_mb = 100;
  int nflog_group = 2;
  bool no_flow_capture = false;
  app.add_option("--flow-log", options.flow_log_path,
                 "also write flow records to FILE as JSON lines");
  app.add_option("--flow-log-max-size", flow_log_max_mb,
                 "rotate the flow log at this many MB")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--flow-log-max-files", options.flow_log_max_files,
                 "rotated flow logs kept (FILE.1 ... FILE.N)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  app.add_option("--flow-ring-size", options.flow_ring_size,
                 "flow records kept in memory for podwall flows")
      ->capture_default_str();
  int flow_ring_mb = 48, flow_tracked_mb = 64;
  app.add_option("--flow-ring-max-mb", flow_ring_mb,
                 "memory for those records; the oldest go first")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--flow-tracked-max-mb", flow_tracked_mb,
                 "memory for open connections awaiting their end record; "
                 "beyond it the oldest are forgotten (counted)")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--nflog-group", nflog_group,
                 "NFLOG group that denied packets are logged to")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_flag("--no-flow-capture", no_flow_capture,
               "no flow logs (no NFLOG rules, no conntrack events)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  options.cut_established = established == "cut";
  if (!kubeconfig.empty() && in_cluster) {
    std::cerr << "podwalld: --kubeconfig and --in-cluster exclude each other\n";
    return 2;
  }
  if (!kubeconfig.empty() || in_cluster) {
    std::map<std::string, std::string> env;
    for (const char* k :
         {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"}) {
      if (const char* v = std::getenv(k)) env[k] = v;
    }
    absl::StatusOr<podwall::sources::KubeClientConfig> kube =
        in_cluster ? podwall::sources::InClusterConfig(env)
                   : podwall::sources::LoadKubeconfig(kubeconfig, context);
    if (!kube.ok()) {
      std::cerr << "podwalld: " << kube.status().message() << "\n";
      return 2;
    }
    options.kubernetes = *kube;
  }
  if (!docker.empty()) options.docker_socket = docker;
  if (options.manifest_dirs.empty() && !options.kubernetes &&
      !options.docker_socket) {
    std::cerr << "podwalld: no source: give --manifests DIR, --kubeconfig "
                 "FILE, --in-cluster or --docker[=SOCKET]\n";
    return 2;
  }
  if (options.node_name.empty()) options.node_name = Hostname();
  options.verify_interval = std::chrono::seconds(verify_seconds);
  options.flow_capture = !no_flow_capture;
  options.flow_log_max_bytes = static_cast<uint64_t>(flow_log_max_mb) << 20;
  options.flow_ring_bytes = static_cast<std::size_t>(flow_ring_mb) << 20;
  options.flow_tracked_bytes = static_cast<std::size_t>(flow_tracked_mb) << 20;
  options.nflog_group = static_cast<uint16_t>(nflog_group);
  options.min_sync_interval = std::chrono::milliseconds(min_interval_ms);

  Daemon daemon(options);
  absl::Status st = daemon.Start();
  if (!st.ok()) {
    std::cerr << "podwalld: " << st.message() << "\n";
    return absl::IsInvalidArgument(st) ? 2 : 1;
  }
  daemon.Run();
  return 0;
}
