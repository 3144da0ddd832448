// HttpServer over real sockets (a unix socket in a temp dir, TCP on
// loopback with a kernel-chosen port).

#include "enforcer/daemon/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(HttpParseTest, Request_PathQueryAndBody) {
  auto r = ParseHttpRequest(
      "POST /v1/flows?follow=1&pod=x%2Fa HTTP/1.1\r\nHost: x\r\n"
      "Content-Length: 4\r\n\r\nbody");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->method, "POST");
  EXPECT_EQ((*r)->path, "/v1/flows");
  EXPECT_EQ((*r)->query.at("follow"), "1");
  EXPECT_EQ((*r)->query.at("pod"), "x/a");
  EXPECT_EQ((*r)->body, "body");
}

TEST(HttpParseTest, Incomplete_NeedsMore) {
  auto r = ParseHttpRequest("GET /v1/status HTTP/1.1\r\nHost:");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  auto body =
      ParseHttpRequest("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort");
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE(body->has_value());
}

TEST(HttpParseTest, Malformed_IsError) {
  EXPECT_FALSE(ParseHttpRequest("NONSENSE\r\n\r\n").ok());
  EXPECT_FALSE(
      ParseHttpRequest("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n").ok());
}

// Sends `request` to `fd` and reads the whole response.
std::string Exchange(int fd, const std::string& request) {
  EXPECT_EQ(send(fd, request.data(), request.size(), 0),
            static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, n);
  close(fd);
  return out;
}

// A socket connected to the unix socket at `path`, or -1.
int ConnectUnix(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A socket connected to 127.0.0.1:`port`, or -1.
int ConnectTcp(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int PortOf(const HttpServer& server) {
  return std::stoi(server.address().substr(server.address().rfind(':') + 1));
}

// Connects to 127.0.0.1:`port` and sends a flow-follow request; the
// socket, or -1.
int SendFollowRequest(int port) {
  const int fd = ConnectTcp(port);
  if (fd < 0) return -1;
  const std::string req = "GET /v1/flows?follow=1 HTTP/1.1\r\n\r\n";
  send(fd, req.data(), req.size(), 0);
  return fd;
}

// Runs the loop on this thread until `client` (on another) finishes and
// says so through a pipe (the loop is not thread-safe).
void Serve(EventLoop& loop, const std::function<void()>& client) {
  int done[2];
  ASSERT_EQ(pipe(done), 0);
  ASSERT_TRUE(loop.Watch(done[0], [&] { loop.Stop(); }).ok());
  std::thread t([&] {
    client();
    (void)!write(done[1], "x", 1);
  });
  loop.Run();
  t.join();
  loop.Unwatch(done[0]);
  close(done[0]);
  close(done[1]);
}

TEST(HttpServerTest, Unix_ServesHandlerAndRemovesSocket) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("podwall-http-" + std::to_string(getpid())) / "ctl.sock")
          .string();
  {
    auto server =
        HttpServer::ListenUnix(**loop, path, [](const HttpRequest& r) {
          return HttpResponse{200, "application/json",
                              "{\"path\":\"" + r.path + "\"}"};
        });
    ASSERT_TRUE(server.ok()) << server.status();
    std::string response;
    Serve(**loop, [&] {
      const int fd = ConnectUnix(path);
      ASSERT_GE(fd, 0);
      // The request in two pieces: the server waits for the rest.
      send(fd, "GET /v1/st", 10, 0);
      usleep(20000);
      response = Exchange(fd, "atus HTTP/1.1\r\nHost: podwall\r\n\r\n");
    });
    EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK\r\n"));
    EXPECT_THAT(response, HasSubstr("Content-Length: 21\r\n"));
    EXPECT_THAT(response, HasSubstr("\r\n\r\n{\"path\":\"/v1/status\"}"));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(HttpServerTest, Tcp_PortZeroPicksAPortAndBadRequestIs400) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  auto server =
      HttpServer::ListenTcp(**loop, "127.0.0.1:0", [](const HttpRequest&) {
        return HttpResponse{200, "text/plain", "ok\n"};
      });
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  EXPECT_GT(port, 0);
  std::string bad;
  Serve(**loop, [&] {
    const int fd = ConnectTcp(port);
    ASSERT_GE(fd, 0);
    bad = Exchange(fd, "BROKEN\r\n\r\n");
  });
  EXPECT_THAT(bad, StartsWith("HTTP/1.1 400 Bad Request\r\n"));
}

TEST(HttpServerTest, Stream_SendsUntilClientHangsUpThenReportsClose) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  int stream = -1;
  HttpServer* server_ptr = nullptr;
  auto server =
      HttpServer::ListenTcp(**loop, "127.0.0.1:0", [&](const HttpRequest& r) {
        stream = r.connection;
        return HttpResponse{200, "application/x-ndjson", "first\n", true};
      });
  ASSERT_TRUE(server.ok()) << server.status();
  server_ptr = server->get();
  int closed = -1;
  (*server)->set_on_stream_closed([&](int c) { closed = c; });
  const int port = PortOf(**server);
  // The client reads the head and two lines, then hangs up; meanwhile the
  // loop pushes a line whenever the client has read the previous one.
  int to_server[2];
  ASSERT_EQ(pipe(to_server), 0);
  ASSERT_TRUE((*loop)
                  ->Watch(to_server[0],
                          [&] {
                            char c;
                            (void)!read(to_server[0], &c, 1);
                            if (c == 'n') {
                              EXPECT_TRUE(server_ptr->Send(stream, "second\n"));
                            } else {
                              (*loop)->Stop();
                            }
                          })
                  .ok());
  std::string got;
  std::thread client([&] {
    const int fd = SendFollowRequest(port);
    ASSERT_GE(fd, 0);
    char buf[256];
    while (got.find("first\n") == std::string::npos) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, n);
    }
    (void)!write(to_server[1], "n", 1);
    while (got.find("second\n") == std::string::npos) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, n);
    }
    close(fd);
    usleep(50000);  // The server sees the hang-up before the stop below.
    (void)!write(to_server[1], "s", 1);
  });
  (*loop)->Run();
  client.join();
  EXPECT_THAT(got, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(got, ::testing::Not(HasSubstr("Content-Length")));
  EXPECT_THAT(got, HasSubstr("\r\n\r\nfirst\nsecond\n"));
  EXPECT_EQ(closed, stream);
  EXPECT_FALSE((*server)->Send(stream, "late\n"));
  (*loop)->Unwatch(to_server[0]);
  close(to_server[0]);
  close(to_server[1]);
}

// A client that sends a stream request and hangs up at once (request and
// EOF in one read): the handler registered a stream, so its close is
// announced; and the next connection, which may reuse the fd, gets
// another id, so nothing meant for the first reaches it.
TEST(HttpServerTest, StreamRequestThenHangUp_CloseAnnounced_IdNotReused) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  std::vector<int> streams;
  auto server =
      HttpServer::ListenTcp(**loop, "127.0.0.1:0", [&](const HttpRequest& r) {
        streams.push_back(r.connection);
        return HttpResponse{200, "application/x-ndjson", "", true};
      });
  ASSERT_TRUE(server.ok()) << server.status();
  std::vector<int> closed;
  (*server)->set_on_stream_closed([&](int c) { closed.push_back(c); });
  const int port = PortOf(**server);
  auto hang_up_client = [&] {
    const int fd = SendFollowRequest(port);
    ASSERT_GE(fd, 0);
    shutdown(fd, SHUT_WR);
    char buf[256];
    while (recv(fd, buf, sizeof(buf), 0) > 0) {
    }
    close(fd);
  };
  Serve(**loop, [&] {
    hang_up_client();
    hang_up_client();
  });
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_NE(streams[0], streams[1]);
  EXPECT_THAT(closed, ::testing::ElementsAre(streams[0], streams[1]));
  EXPECT_FALSE((*server)->Send(streams[0], "late\n"));
}

TEST(HttpServerTest, Tcp_BadAddress_IsInvalidArgument) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  auto handler = [](const HttpRequest&) { return HttpResponse{}; };
  EXPECT_TRUE(absl::IsInvalidArgument(
      HttpServer::ListenTcp(**loop, "localhost", handler).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      HttpServer::ListenTcp(**loop, "example.com:80", handler).status()));
}

// A client that sends nothing, one that reads nothing, one that trickles:
// each is bounded, and meanwhile others are served at once.
HttpLimits SmallLimits() {
  HttpLimits limits;
  limits.max_connections = 4;
  limits.max_per_peer = 2;
  limits.request_deadline = std::chrono::milliseconds(400);
  limits.reply_deadline = std::chrono::milliseconds(2000);
  return limits;
}

// A TCP server on loopback that answers "ok" to every request.
absl::StatusOr<std::unique_ptr<HttpServer>> OkServer(EventLoop& loop,
                                                     HttpLimits limits) {
  return HttpServer::ListenTcp(
      loop, "127.0.0.1:0",
      [](const HttpRequest&) {
        return HttpResponse{200, "text/plain", "ok"};
      },
      limits);
}

// True when the server closed `fd` without answering, within a second.
bool ClosedUnanswered(int fd) {
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char c;
  return recv(fd, &c, 1, 0) == 0;
}

TEST(HttpServerLimitsTest, PerPeerCap_ClosesTheExtraConnection_ThenServes) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  auto server = OkServer(**loop, SmallLimits());
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  std::string after;
  bool third_closed = false;
  Serve(**loop, [&] {
    const int a = ConnectTcp(port), b = ConnectTcp(port), c = ConnectTcp(port);
    third_closed = ClosedUnanswered(c);
    close(c);
    close(a);
    usleep(50000);  // The server sees a's close.
    after = Exchange(ConnectTcp(port), "GET / HTTP/1.1\r\n\r\n");
    close(b);
  });
  EXPECT_TRUE(third_closed);
  EXPECT_EQ((*server)->refused_connections(), 1u);
  EXPECT_THAT(after, StartsWith("HTTP/1.1 200 OK"));
}

// Idle clients fill the server: the next client still gets its answer,
// and the oldest idle connection is the one closed for it.
TEST(HttpServerLimitsTest, GlobalCap_TheOldestIdleMakesRoomForARequest) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("podwall-cap-" + std::to_string(getpid())))
                               .string();
  HttpLimits limits = SmallLimits();
  limits.max_per_peer = 100;  // Whoever runs the test: only the total.
  auto server = HttpServer::ListenUnix(
      **loop, path,
      [](const HttpRequest&) {
        return HttpResponse{200, "text/plain", "ok"};
      },
      limits);
  ASSERT_TRUE(server.ok()) << server.status();
  auto connect_unix = [&] {
    const int fd = ConnectUnix(path);
    EXPECT_GE(fd, 0);
    return fd;
  };
  std::vector<int> idle;
  std::string answer;
  bool oldest_closed = false;
  Serve(**loop, [&] {
    for (int i = 0; i < 4; ++i) {
      idle.push_back(connect_unix());
      usleep(10000);  // Accepted in this order.
    }
    answer = Exchange(connect_unix(), "GET / HTTP/1.1\r\n\r\n");
    oldest_closed = ClosedUnanswered(idle.front());
    for (int fd : idle) close(fd);
  });
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_TRUE(oldest_closed);
  EXPECT_EQ((*server)->evicted_connections(), 1u);
  EXPECT_EQ((*server)->refused_connections(), 0u);
  std::filesystem::remove(path);
}

TEST(HttpServerLimitsTest, RequestDeadline_IsAbsolute_ATrickleDoesNotExtendIt) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  auto server = OkServer(**loop, SmallLimits());
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  int sent = 0;
  bool closed = false;
  Serve(**loop, [&] {
    const int fd = ConnectTcp(port);
    // One header byte every 50 ms, for up to 2 s: each arrives well
    // within any idle timeout, but the request never completes.
    const std::string trickle =
        "GET / HTTP/1.1\r\nX-Slow: " + std::string(100, 'a');
    for (char ch : trickle) {
      if (send(fd, &ch, 1, MSG_NOSIGNAL) != 1) {
        closed = true;
        break;
      }
      ++sent;
      usleep(50000);
    }
    close(fd);
  });
  EXPECT_TRUE(closed);
  // 400 ms at one byte per 50 ms: closed after about 8 bytes, not 100.
  EXPECT_LT(sent, 30);
}

TEST(HttpServerLimitsTest, SlowReader_DoesNotStallOthers_AndGetsAllOfItsReply) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  const std::string big(32 << 20, 'x');
  auto server = HttpServer::ListenTcp(
      **loop, "127.0.0.1:0",
      [&](const HttpRequest& r) {
        return HttpResponse{200, "text/plain", r.path == "/big" ? big : "ok"};
      },
      SmallLimits());
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  std::string quick, slow;
  std::chrono::steady_clock::duration quick_took{};
  Serve(**loop, [&] {
    const int reader = ConnectTcp(port);
    const std::string req = "GET /big HTTP/1.1\r\n\r\n";
    send(reader, req.data(), req.size(), 0);
    usleep(100000);  // The reply fills the socket; the server goes on.
    const auto start = std::chrono::steady_clock::now();
    quick = Exchange(ConnectTcp(port), "GET / HTTP/1.1\r\n\r\n");
    quick_took = std::chrono::steady_clock::now() - start;
    slow = Exchange(reader, "");
  });
  EXPECT_THAT(quick, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_LT(quick_took, std::chrono::milliseconds(500));
  EXPECT_THAT(slow, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_EQ(slow.size() - slow.find("\r\n\r\n") - 4, big.size());
}

// A large answer produced as the client reads (GET /v1/flows): the body
// arrives whole and in order, and the server asks for each part only when
// the client has taken most of the last (it never holds the whole body).
TEST(HttpServerLimitsTest, ProducedBody_ArrivesWhole_AskedForAsTheClientReads) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  int parts = 0;
  std::size_t most_held = 0;
  HttpServer* server_ptr = nullptr;
  auto server =
      HttpServer::ListenTcp(**loop, "127.0.0.1:0", [&](const HttpRequest&) {
        HttpResponse resp{200, "text/plain", "head\n"};
        resp.more = [&](std::string& out) {
          most_held = std::max(most_held, out.size());
          out += std::string(100 << 10, static_cast<char>('a' + parts % 26));
          ++parts;
          return parts < 200;  // 20 MB in all.
        };
        return resp;
      });
  ASSERT_TRUE(server.ok()) << server.status();
  server_ptr = server->get();
  std::string got;
  Serve(**loop, [&] {
    got = Exchange(ConnectTcp(PortOf(*server_ptr)), "GET / HTTP/1.1\r\n\r\n");
  });
  EXPECT_EQ(parts, 200);
  EXPECT_LT(most_held, 300u << 10);
  const std::string body = got.substr(got.find("\r\n\r\n") + 4);
  ASSERT_EQ(body.size(), 5 + 200 * (100u << 10));
  EXPECT_EQ(body.substr(0, 6), "head\na");
  EXPECT_EQ(body.back(), static_cast<char>('a' + 199 % 26));
}

// True in a sanitizer build: their runtimes need descriptors of their own
// (UBSan's vptr check probes memory through a pipe), so a process with none
// left reports false errors.
constexpr bool kSanitized =
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

TEST(HttpServerLimitsTest, OutOfDescriptors_PausesAccepting_ThenServes) {
  if (kSanitized) {
    GTEST_SKIP() << "runs in the plain build: a sanitizer runtime cannot "
                    "work without free descriptors";
  }
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  HttpLimits limits = SmallLimits();
  limits.accept_pause = std::chrono::milliseconds(100);
  auto server = OkServer(**loop, limits);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  // Every descriptor taken: the server's accept fails with EMFILE while
  // the client's connection waits in the queue. The client's thread and
  // the loop's stop pipe are made first (a sanitizer's thread start needs
  // descriptors of its own).
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  const int client = ConnectTcp(port);
  ASSERT_GE(client, 0);
  int go[2], done[2];
  ASSERT_EQ(pipe(go), 0);
  ASSERT_EQ(pipe(done), 0);
  ASSERT_TRUE((*loop)->Watch(done[0], [&] { (*loop)->Stop(); }).ok());
  std::vector<int> filler;
  std::string reply;
  std::thread t([&] {
    char c;
    (void)!read(go[0], &c, 1);
    usleep(350000);  // Pauses, not a spin: about one per 100 ms.
    for (int fd : filler) close(fd);
    reply = Exchange(client, "GET / HTTP/1.1\r\n\r\n");
    (void)!write(done[1], "x", 1);
  });
  const int probe = dup(0);
  close(probe);
  rlimit low = old;
  low.rlim_cur = static_cast<rlim_t>(probe + 16);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  for (int fd = dup(0); fd >= 0; fd = dup(0)) filler.push_back(fd);
  (void)!write(go[1], "x", 1);
  (*loop)->Run();
  t.join();
  (*loop)->Unwatch(done[0]);
  for (int fd : {go[0], go[1], done[0], done[1]}) close(fd);
  setrlimit(RLIMIT_NOFILE, &old);
  EXPECT_GE((*server)->accept_pauses(), 1u);
  EXPECT_LE((*server)->accept_pauses(), 6u);
  EXPECT_THAT(reply, StartsWith("HTTP/1.1 200 OK"));
}

}  // namespace
}  // namespace podwall::daemon
