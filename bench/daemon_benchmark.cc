// podwalld end to end, on the shared generated cluster (10,000 pods, 2,000
// policies, 110 on node-0) written as one JSON List file per namespace in a
// manifest directory: start-up time, resident memory, and the time from a
// changed file renamed into the directory to the daemon's "synced" log
// line (written after the kernel acked the batch). Issue 6 targets: p99
// <= 50 ms for a single pod or policy change, RSS <= 150 MB.
// Runs podwalld as a child in a private network namespace. Needs root.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench/cluster_generator.h"

#ifndef PODWALLD_PATH
#error "PODWALLD_PATH must name the podwalld binary"
#endif

namespace podwall::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Percentile(std::vector<double> v, int p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * p / 100)];
}

using NamespaceFile = NamespaceObjects;

void WriteFile(const fs::path& dir, const NamespaceFile& f) {
  WriteNamespaceFile(dir.string(), f);
}

long RssKb(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Reads the daemon's log until a line containing `needle`.
class LogReader {
 public:
  explicit LogReader(int fd) : fd_(fd) {}
  bool WaitFor(const std::string& needle) {
    while (true) {
      const std::size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        const std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        if (line.find("level=error") != std::string::npos) {
          std::fprintf(stderr, "podwalld: %s\n", line.c_str());
        }
        if (line.find(needle) != std::string::npos) return true;
        continue;
      }
      char chunk[65536];
      const ssize_t n = read(fd_, chunk, sizeof(chunk));
      if (n <= 0) return false;
      buf_.append(chunk, n);
    }
  }

 private:
  int fd_;
  std::string buf_;
};

int Main() {
  if (unshare(CLONE_NEWNET) != 0) {
    std::perror("unshare(CLONE_NEWNET) (run as root)");
    return 1;
  }
  const ClusterShape shape;
  std::map<std::string, NamespaceFile> files =
      ByNamespace(GenerateCluster(shape));
  const fs::path dir = fs::temp_directory_path() /
                       ("podwall-daemon-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const auto& [name, f] : files) WriteFile(dir, f);
  std::uintmax_t bytes = 0;
  for (const auto& e : fs::directory_iterator(dir)) bytes += e.file_size();

  int pipefd[2];
  if (pipe(pipefd) != 0) return 1;
  const std::string socket = (dir / "podwall.sock").string();
  const auto t_spawn = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    execl(PODWALLD_PATH, "podwalld", "--node-name", "node-0", "--manifests",
          dir.c_str(), "--socket", socket.c_str(), "--metrics-address",
          "127.0.0.1:0", nullptr);
    _exit(127);
  }
  close(pipefd[1]);
  LogReader log(pipefd[0]);
  if (!log.WaitFor("msg=ready")) {
    std::fprintf(stderr, "podwalld did not become ready\n");
    return 1;
  }
  const double startup_ms = Ms(Clock::now() - t_spawn);
  const long rss_ready = RssKb(pid, "VmRSS");

  // Namespaces with a pod on node-0: their policies are compiled here.
  std::vector<std::string> local_ns;
  for (const auto& [name, f] : files) {
    for (const auto& p : f.pods) {
      if (p.spec.node_name == "node-0") {
        local_ns.push_back(name);
        break;
      }
    }
  }
  std::vector<double> pod_ms;
  std::vector<double> policy_ms;
  int generation = 1;
  auto change = [&](NamespaceFile& f, std::vector<double>& out) {
    const auto t0 = Clock::now();
    WriteFile(dir, f);
    ++generation;
    if (!log.WaitFor("msg=synced generation=" + std::to_string(generation) +
                     " ")) {
      return false;
    }
    out.push_back(Ms(Clock::now() - t0));
    usleep(20000);  // Past the minimum sync interval: single changes.
    return true;
  };
  for (int i = 0; i < 150; ++i) {
    NamespaceFile& f = files[local_ns[i % local_ns.size()]];
    bool ok = true;
    if (i % 3 == 0) {
      // A local pod relabelled in or out of a policy's selection.
      for (auto& p : f.pods) {
        if (p.spec.node_name != "node-0") continue;
        auto& tier = p.metadata.labels["tier"];
        tier = tier == "frontend" ? "backend" : "frontend";
        break;
      }
      ok = change(f, pod_ms);
    } else if (i % 3 == 1) {
      // A new pod elsewhere in a namespace this node's policies watch.
      f.pods.push_back(GeneratePod(shape, shape.pods + i, false, 11));
      f.pods.back().metadata.namespace_ = f.ns.metadata.name;
      ok = change(f, pod_ms);
    } else {
      // A policy edited: the ipBlock egress rule's port.
      schema::NetworkPolicy* egress = nullptr;
      for (auto& np : f.policies) {
        if (np.spec.egress.size() == 3) egress = &np;
      }
      if (!egress) continue;
      auto& port = egress->spec.egress[2].ports[0].port->number;
      port = port == 443 ? 8443 : 443;
      ok = change(f, policy_ms);
    }
    if (!ok) {
      std::fprintf(stderr, "podwalld stopped answering\n");
      return 1;
    }
  }
  const long rss_end = RssKb(pid, "VmRSS");
  const long hwm = RssKb(pid, "VmHWM");
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  // The rules stay after SIGTERM; this namespace goes away with us.
  fs::remove_all(dir);

  std::printf(
      "cluster: %d pods, %d namespaces, %d policies, %zu files "
      "(%.1f MB JSON), node-0 has %d pods\n\n",
      shape.pods, shape.namespaces, shape.policies, files.size(), bytes / 1e6,
      shape.local_pods);
  std::printf("%-40s %10s %10s %10s\n", "file change -> kernel", "p50 ms",
              "p99 ms", "max ms");
  auto row = [](const char* name, const std::vector<double>& v) {
    std::printf("%-40s %10.2f %10.2f %10.2f  (%zu changes)\n", name,
                Percentile(v, 50), Percentile(v, 99),
                *std::max_element(v.begin(), v.end()), v.size());
  };
  row("pod change (relabel here, add elsewhere)", pod_ms);
  row("policy change", policy_ms);
  std::printf("\nstart-up to ready (load, compile, first sync): %.0f ms\n",
              startup_ms);
  std::printf(
      "resident memory: %.1f MB at ready, %.1f MB at the end, "
      "peak %.1f MB\n",
      rss_ready / 1024.0, rss_end / 1024.0, hwm / 1024.0);
  std::printf(
      "{\"daemon_pod_change_p99_ms\":%.2f,\"daemon_policy_change_p99_ms\":%.2f,"
      "\"daemon_startup_ms\":%.0f,\"daemon_rss_mb\":%.1f}\n",
      Percentile(pod_ms, 99), Percentile(policy_ms, 99), startup_ms,
      hwm / 1024.0);
  return 0;
}

}  // namespace
}  // namespace podwall::bench

int main() { return podwall::bench::Main(); }
