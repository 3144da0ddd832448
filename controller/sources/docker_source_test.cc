// DockerSource against a stand-in engine (tests/docker/fake_dockerd.py) on
// a unix socket, serving the captured engine JSON of testdata/docker: the
// source's own thread lists, follows events, and hands changes to the loop
// (run under ThreadSanitizer by scripts/test). The real engine is the
// Docker test's (tests/docker/docker_test.py).

#include "controller/sources/docker_source.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::sources {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;

class Recorder : public ChangeSink {
 public:
  void Apply(const ObjectChange& c) override {
    keys.push_back((c.type == ObjectChange::Type::kUpsert ? "+" : "-") +
                   ObjectKey(c.object));
  }
  void Note(Severity, const std::string&, const std::string&) override {}
  std::vector<std::string> keys;
};

class DockerSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() /
            ("podwall-docker-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(work_);
    socket_ = (work_ / "docker.sock").string();
    const std::string root = PODWALL_SOURCE_DIR;
    const std::string cmd = "/usr/bin/python3 " + root +
                            "/tests/docker/fake_dockerd.py " + socket_ + " " +
                            root + "/controller/sources/testdata/docker" +
                            " & echo $!";
    server_ = popen(cmd.c_str(), "r");
    ASSERT_NE(server_, nullptr);
    char line[128] = {};
    ASSERT_NE(fgets(line, sizeof(line), server_), nullptr);  // The pid.
    pid_ = std::stoi(line);
    ASSERT_NE(fgets(line, sizeof(line), server_), nullptr);  // "ready".
    ASSERT_THAT(std::string(line), HasSubstr("ready"));
  }
  void TearDown() override {
    if (pid_ > 0) kill(pid_, SIGTERM);
    if (server_) pclose(server_);
    fs::remove_all(work_);
  }
  DockerSource::Options Options() {
    DockerSource::Options o;
    o.socket = socket_;
    o.node_name = "host-1";
    return o;
  }
  // Handles the source's events until `done`, or about 10 s.
  static bool Pump(DockerSource& source, ChangeSink& sink,
                   const std::function<bool()>& done) {
    pollfd p{source.fd(), POLLIN, 0};
    for (int i = 0; i < 100; ++i) {
      if (done()) return true;
      if (poll(&p, 1, 100) > 0) source.ProcessEvents(sink);
    }
    return done();
  }

  fs::path work_;
  std::string socket_;
  FILE* server_ = nullptr;
  pid_t pid_ = 0;
};

TEST_F(DockerSourceTest, Start_ListsTheContainersAndTheGuardedNetworks) {
  DockerSource source(Options());
  Recorder sink;
  ASSERT_TRUE(source.Start(sink).ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return source.synced(); }));
  source.ProcessEvents(sink);  // What came before the synced mark.
  // Three running containers; the one on the host network is no pod.
  EXPECT_EQ(sink.keys.size(), 2u);
  EXPECT_TRUE(source.status().ok);
  EXPECT_THAT(source.guarded_networks(), Contains("172.17.0.0/16"));
}

TEST_F(DockerSourceTest, ContainerGone_EventReportsTheDelete) {
  DockerSource source(Options());
  Recorder sink;
  ASSERT_TRUE(source.Start(sink).ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return source.synced(); }));
  source.ProcessEvents(sink);
  ASSERT_EQ(sink.keys.size(), 2u);
  const std::string web = sink.keys.back();
  sink.keys.clear();
  HttpClientConfig control;
  control.unix_socket = socket_;
  control.server = "http://docker";
  // web2's container.
  ASSERT_TRUE(HttpClient(control).Get("/test/remove/92eaeac1f63b").ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return !sink.keys.empty(); }));
  EXPECT_THAT(sink.keys, Contains(HasSubstr("-Pod/")));
  // The source is still watching and healthy.
  EXPECT_TRUE(source.status().ok);
}

}  // namespace
}  // namespace podwall::sources
