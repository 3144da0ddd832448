// crr_load: new TCP connections per second, each one connect, request,
// response, close (what netperf calls TCP_CRR). Every connection is new to
// conntrack, so its first packet walks the policy chains; established
// ping-pong never does.
//
//   crr_load server ADDRESS PORT [THREADS]
//   crr_load client ADDRESS PORT SECONDS [THREADS]
//
// The client closes with a reset (SO_LINGER 0): no TIME_WAIT, so its
// ephemeral ports never run out however long it runs. It prints one line,
// `connections=N seconds=S per_s=R failures=F`; exit 1 when no connection
// succeeded.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kMessageBytes = 64;

// One address of either family, as connect/bind want it.
struct Endpoint {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
};

bool ParseEndpoint(const char* address, const char* port, Endpoint& out) {
  const int p = std::atoi(port);
  if (p <= 0 || p > 65535) return false;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(p));
    out.length = sizeof(sockaddr_in);
    out.family = AF_INET;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(p));
    out.length = sizeof(sockaddr_in6);
    out.family = AF_INET6;
    return true;
  }
  return false;
}

// Reads exactly n bytes; false on EOF or error.
bool ReadFull(int fd, char* buf, size_t n) {
  while (n > 0) {
    const ssize_t r = read(fd, buf, n);
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool WriteFull(int fd, const char* buf, size_t n) {
  while (n > 0) {
    const ssize_t r = write(fd, buf, n);
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// Each thread accepts on the shared listener and answers one request per
// connection, then waits for the client's close.
int Serve(const Endpoint& ep, int threads) {
  const int listener = socket(ep.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (listener < 0 ||
      bind(listener, reinterpret_cast<const sockaddr*>(&ep.storage),
           ep.length) != 0 ||
      listen(listener, 4096) != 0) {
    std::perror("crr_load server");
    return 1;
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([listener] {
      char buf[kMessageBytes];
      for (;;) {
        const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        if (ReadFull(fd, buf, sizeof(buf))) {
          WriteFull(fd, buf, sizeof(buf));
          read(fd, buf, 1);  // The client's reset or close.
        }
        close(fd);
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}

int Client(const Endpoint& ep, double seconds, int threads) {
  std::atomic<long> connections{0};
  std::atomic<long> failures{0};
  const auto start = std::chrono::steady_clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                  std::chrono::duration<double>(seconds));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      char buf[kMessageBytes];
      std::memset(buf, 'x', sizeof(buf));
      long done = 0;
      long failed = 0;
      while (std::chrono::steady_clock::now() < deadline) {
        const int fd = socket(ep.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
          ++failed;
          continue;
        }
        const linger reset{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        const bool ok =
            connect(fd, reinterpret_cast<const sockaddr*>(&ep.storage),
                    ep.length) == 0 &&
            WriteFull(fd, buf, sizeof(buf)) && ReadFull(fd, buf, sizeof(buf));
        close(fd);
        ok ? ++done : ++failed;
      }
      connections += done;
      failures += failed;
    });
  }
  for (auto& w : workers) w.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("connections=%ld seconds=%.3f per_s=%.0f failures=%ld\n",
              connections.load(), elapsed, connections.load() / elapsed,
              failures.load());
  return connections.load() > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Endpoint ep;
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "server" && (argc == 4 || argc == 5) &&
      ParseEndpoint(argv[2], argv[3], ep)) {
    return Serve(ep, argc == 5 ? std::atoi(argv[4]) : 4);
  }
  if (mode == "client" && (argc == 5 || argc == 6) &&
      ParseEndpoint(argv[2], argv[3], ep)) {
    return Client(ep, std::atof(argv[4]), argc == 6 ? std::atoi(argv[5]) : 4);
  }
  std::fprintf(stderr,
               "usage: crr_load server ADDRESS PORT [THREADS]\n"
               "       crr_load client ADDRESS PORT SECONDS [THREADS]\n");
  return 2;
}
