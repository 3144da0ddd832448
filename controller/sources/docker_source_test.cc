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

#include "controller/sources/recording_sink.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/stand_in_server.h"

namespace podwall::sources {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

using Recorder = RecordingSink;

class DockerSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = test_support::StandInServer::Start(
        "tests/docker/fake_dockerd.py",
        {std::string(PODWALL_SOURCE_DIR) +
         "/controller/sources/testdata/docker"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    socket_ = (server_->work() / "docker.sock").string();
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

  std::unique_ptr<test_support::StandInServer> server_;
  std::string socket_;
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

// The engine lost an event: after a quiet while the source lists the
// containers again and the gone one is deleted anyway, without a warning.
TEST_F(DockerSourceTest, LostEvent_MadeUpForByTheRelistAfterQuiet) {
  DockerSource::Options o = Options();
  o.relist_after_quiet = std::chrono::seconds(1);
  DockerSource source(o);
  Recorder sink;
  ASSERT_TRUE(source.Start(sink).ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return source.synced(); }));
  source.ProcessEvents(sink);
  ASSERT_EQ(sink.keys.size(), 2u);
  sink.keys.clear();
  HttpClientConfig control;
  control.unix_socket = socket_;
  control.server = "http://docker";
  ASSERT_TRUE(HttpClient(control).Get("/test/lose/92eaeac1f63b").ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return !sink.keys.empty(); }));
  EXPECT_THAT(sink.keys, Contains(HasSubstr("-Pod/")));
  EXPECT_TRUE(source.status().ok);
  EXPECT_TRUE(source.status().errors.empty());
  for (const std::string& n : sink.notes) {
    EXPECT_THAT(n, ::testing::Not(HasSubstr("reconnecting")));
  }
}

}  // namespace
}  // namespace podwall::sources
