// HttpClient and KubernetesSource against the test API server
// (tests/kube/fake_apiserver.py) on loopback: TLS with its CA, the bearer
// token, lists in pages, watches.

#include "controller/sources/kubernetes_source.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "controller/sources/kubeconfig.h"
#include "controller/sources/recording_sink.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/stand_in_server.h"

namespace podwall::sources {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

using Recorder = RecordingSink;

class KubernetesSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server =
        test_support::StandInServer::Start("tests/kube/fake_apiserver.py");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    work_ = server_->work();
    auto config = LoadKubeconfig((work_ / "kubeconfig").string(), "");
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
  }
  // POSTs to the test server's control API.
  void Post(const std::string& path, const std::string& json) {
    const std::string script =
        "import ssl, sys, urllib.request\n"
        "ctx = ssl.create_default_context(cafile=sys.argv[1])\n"
        "r = urllib.request.Request(sys.argv[2], data=sys.argv[3].encode(), "
        "method='POST', headers={'Authorization': 'Bearer "
        "podwall-test-token'})\n"
        "urllib.request.urlopen(r, context=ctx).read()\n";
    const std::string cmd = "/usr/bin/python3 -c \"" + script + "\" " +
                            (work_ / "ca.crt").string() + " " + config_.server +
                            path + " '" + json + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  // Handles the source's events until `done` or about `tenths` / 10 s.
  static bool Pump(KubernetesSource& source, ChangeSink& sink,
                   const std::function<bool()>& done, int tenths = 100) {
    pollfd p{source.fd(), POLLIN, 0};
    for (int i = 0; i < tenths; ++i) {
      if (done()) return true;
      if (poll(&p, 1, 100) > 0) source.ProcessEvents(sink);
    }
    return done();
  }
  // A count from the test server's /test/stats.
  int Stat(const std::string& name) {
    auto reply = HttpClient(config_).Get("/test/stats");
    if (!reply.ok()) return -1;
    const std::string key = "\"" + name + "\": ";
    const std::size_t at = reply->body.find(key);
    return at == std::string::npos
               ? 0
               : std::atoi(reply->body.c_str() + at + key.size());
  }
  int Watches() { return Stat("watches_Namespace"); }
  void Namespace(const std::string& name) {
    Post("/test/apply",
         R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" +
             name + R"("}})");
  }

  std::unique_ptr<test_support::StandInServer> server_;
  fs::path work_;
  KubeClientConfig config_;
};

// What a source keeps of each object it reported, to delete it after a
// relist: its identity, not a second full copy beside the cluster state.
TEST(SourceIdentityTest, KeepsKindNamespaceAndNameOnly) {
  schema::Pod pod;
  pod.metadata.namespace_ = "x";
  pod.metadata.name = "a";
  pod.metadata.labels = {{"app", std::string(4096, 'v')}};
  pod.status.pod_ips = {"10.0.0.1"};
  const schema::Object id = Identity(pod);
  ASSERT_TRUE(std::holds_alternative<schema::Pod>(id));
  EXPECT_EQ(ObjectKey(id), ObjectKey(pod));
  EXPECT_TRUE(std::get<schema::Pod>(id).metadata.labels.empty());
  EXPECT_TRUE(std::get<schema::Pod>(id).status.pod_ips.empty());
}

// A relist reports deletes from the keys alone: the identity is rebuilt
// from the key and any identity of the same kind.
TEST(SourceIdentityTest, FromKey_RebuildsKindNamespaceAndName) {
  schema::Pod pod;
  pod.metadata.namespace_ = "x";
  pod.metadata.name = "a";
  const schema::Object other =
      IdentityFromKey(Identity(pod), "Pod/kube-system/coredns-7db6d8ff4d-x");
  ASSERT_TRUE(std::holds_alternative<schema::Pod>(other));
  EXPECT_EQ(ObjectKey(other), "Pod/kube-system/coredns-7db6d8ff4d-x");
  schema::Namespace ns;
  ns.metadata.name = "x";
  const schema::Object cluster_scoped =
      IdentityFromKey(Identity(ns), "Namespace//team-a");
  ASSERT_TRUE(std::holds_alternative<schema::Namespace>(cluster_scoped));
  EXPECT_EQ(schema::MetadataOf(cluster_scoped).namespace_, "");
  EXPECT_EQ(schema::MetadataOf(cluster_scoped).name, "team-a");
}

TEST_F(KubernetesSourceTest, Client_TokenIsRequired) {
  HttpClient good(config_);
  auto ok = good.Get("/api/v1/namespaces");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);
  KubeClientConfig wrong = config_;
  wrong.token = "not-the-token";
  auto denied = HttpClient(wrong).Get("/api/v1/namespaces");
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_EQ(denied->status, 401);
  KubeClientConfig no_ca = config_;
  no_ca.ca_pem.clear();  // The system trust store does not know the CA.
  EXPECT_TRUE(absl::IsUnavailable(
      HttpClient(no_ca).Get("/api/v1/namespaces").status()));
}

TEST_F(KubernetesSourceTest, Client_ClientCertificateAuthenticates) {
  auto config = LoadKubeconfig((work_ / "kubeconfig-cert").string(), "");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_FALSE(config->client_cert_pem.empty());
  EXPECT_TRUE(config->token.empty());
  auto ok = HttpClient(*config).Get("/api/v1/namespaces");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);
  HttpClientConfig no_cert = *config;
  no_cert.client_cert_pem.clear();
  no_cert.client_key_pem.clear();
  auto denied = HttpClient(no_cert).Get("/api/v1/namespaces");
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_EQ(denied->status, 401);
}

TEST_F(KubernetesSourceTest, Client_KeepsItsConnectionBetweenRequests) {
  HttpClient client(config_);
  const int before = Stat("connections");  // Stat() opens one itself.
  for (int i = 0; i < 5; ++i) {
    auto reply = client.Get("/api/v1/namespaces?limit=1");
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->status, 200);
  }
  EXPECT_EQ(Stat("connections"), before + 2);  // The client's, and Stat's.
}

TEST_F(KubernetesSourceTest, Client_SlowResponseStillArrives) {
  Post("/test/slow", R"({"seconds": 1.5})");
  auto reply = HttpClient(config_).Get("/api/v1/namespaces");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->status, 200);
  EXPECT_THAT(reply->body, HasSubstr("NamespaceList"));
}

TEST_F(KubernetesSourceTest, Source_ListsEveryPageThenFollowsTheWatch) {
  for (int i = 0; i < 7; ++i) Namespace("ns-" + std::to_string(i));
  KubernetesSource::Options options;
  options.page_size = 2;  // Four pages of namespaces.
  KubernetesSource source(config_, options);
  Recorder sink;
  ASSERT_TRUE(source.Start(sink).ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return source.synced(); }));
  source.ProcessEvents(sink);  // What came before the synced mark.
  EXPECT_EQ(sink.keys.size(), 7u);
  EXPECT_THAT(sink.keys, Contains("+Namespace//ns-6"));
  EXPECT_TRUE(source.status().ok);
  EXPECT_EQ(source.status().objects, 7u);

  sink.keys.clear();
  Namespace("late");
  Post("/test/delete", R"({"kind":"Namespace","name":"ns-0"})");
  Pump(source, sink, [&] { return sink.keys.size() >= 2; });
  EXPECT_THAT(sink.keys, Contains("+Namespace//late"));
  EXPECT_THAT(sink.keys, Contains("-Namespace//ns-0"));
}

TEST_F(KubernetesSourceTest, Source_ClusterPoliciesAndNodes_AreFollowed) {
  Post("/test/apply",
       R"({"apiVersion":"policy.networking.k8s.io/v1alpha2",)"
       R"("kind":"ClusterNetworkPolicy","metadata":{"name":"guard"},)"
       R"("spec":{"tier":"Admin","priority":1,"subject":{"namespaces":{}},)"
       R"("egress":[{"action":"Deny","to":[{"networks":["10.0.0.0/8"]}]}]}})");
  Post(
      "/test/apply",
      R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},)"
      R"("status":{"addresses":[{"type":"InternalIP","address":"10.1.0.1"}]}})");
  KubernetesSource source(config_, {});
  Recorder sink;
  ASSERT_TRUE(source.Start(sink).ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return source.synced(); }));
  source.ProcessEvents(sink);
  EXPECT_THAT(sink.keys, Contains("+ClusterNetworkPolicy//guard"));
  EXPECT_THAT(sink.keys, Contains("+Node//n1"));
  sink.keys.clear();
  Post("/test/delete", R"({"kind":"ClusterNetworkPolicy","name":"guard"})");
  Pump(source, sink, [&] { return !sink.keys.empty(); });
  EXPECT_THAT(sink.keys, Contains("-ClusterNetworkPolicy//guard"));
}

// A cluster without the CRD: listed as empty (ready), and followed once the
// CRD appears.
TEST_F(KubernetesSourceTest,
       Source_ClusterPolicyCrdAbsent_IsNoErrorUntilItComes) {
  Post("/test/crd", R"({"installed": false})");
  KubernetesSource::Options options;
  options.absent_poll = std::chrono::milliseconds(300);
  KubernetesSource source(config_, options);
  Recorder sink;
  ASSERT_TRUE(source.Start(sink).ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return source.synced(); }));
  EXPECT_TRUE(source.status().ok);
  Post("/test/crd", R"({"installed": true})");
  Post(
      "/test/apply",
      R"({"apiVersion":"policy.networking.k8s.io/v1alpha2",)"
      R"("kind":"ClusterNetworkPolicy","metadata":{"name":"late"},)"
      R"("spec":{"tier":"Baseline","priority":5,"subject":{"namespaces":{}}}})");
  EXPECT_TRUE(Pump(source, sink, [&] {
    return std::find(sink.keys.begin(), sink.keys.end(),
                     "+ClusterNetworkPolicy//late") != sink.keys.end();
  }));
  // The CRD removed again: its objects go with it.
  Post("/test/crd", R"({"installed": false})");
  EXPECT_TRUE(Pump(source, sink, [&] {
    return std::find(sink.keys.begin(), sink.keys.end(),
                     "-ClusterNetworkPolicy//late") != sink.keys.end();
  }));
  EXPECT_TRUE(source.status().ok);
}

TEST_F(KubernetesSourceTest, Source_StartDoesNotWaitForAnUnavailableServer) {
  Namespace("early");
  Post("/test/down", "{}");
  KubernetesSource::Options options;
  options.min_backoff = std::chrono::milliseconds(50);
  options.max_backoff = std::chrono::milliseconds(200);
  KubernetesSource source(config_, options);
  Recorder sink;
  ASSERT_TRUE(source.Start(sink).ok());  // Returns at once.
  EXPECT_FALSE(source.synced());
  // The failure shows in the status while it lasts.
  ASSERT_TRUE(
      Pump(source, sink, [&] { return !source.status().errors.empty(); }));
  EXPECT_FALSE(source.status().ok);
  EXPECT_THAT(source.status().errors[0], HasSubstr("503"));
  EXPECT_FALSE(source.synced());
  EXPECT_TRUE(sink.keys.empty());

  Post("/test/resume", "{}");
  ASSERT_TRUE(Pump(source, sink, [&] { return source.synced(); }));
  source.ProcessEvents(sink);
  EXPECT_THAT(sink.keys, Contains("+Namespace//early"));
  EXPECT_TRUE(source.status().ok);
}

TEST_F(KubernetesSourceTest, Source_RestartsAWatchThatFallsSilent) {
  KubernetesSource::Options options;
  options.watch_idle_seconds = 1;
  options.watch_grace_seconds = 1;
  options.min_backoff = std::chrono::milliseconds(50);
  KubernetesSource source(config_, options);
  Recorder sink;
  ASSERT_TRUE(source.Start(sink).ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return source.synced(); }));
  // A hung server: the open watches send nothing, not even bookmarks, and
  // never end. Events made meanwhile only arrive on a new watch.
  Post("/test/silence", R"({"on": true})");
  const int before = Watches();
  Namespace("during-silence");
  ASSERT_TRUE(Pump(
      source, sink, [&] { return Watches() >= before + 3; }, 100));
  EXPECT_THAT(sink.keys, Not(Contains("+Namespace//during-silence")));
  Post("/test/silence", R"({"on": false})");
  EXPECT_TRUE(Pump(source, sink, [&] {
    return std::find(sink.keys.begin(), sink.keys.end(),
                     "+Namespace//during-silence") != sink.keys.end();
  }));
}

// Watches answered with an ERROR event other than 410 (the API server's
// storage failing): the source waits before each new watch instead of
// re-watching at once in a loop.
TEST_F(KubernetesSourceTest, Source_WatchErrorEvents_BackOff) {
  KubernetesSource::Options options;
  options.min_backoff = std::chrono::milliseconds(200);
  KubernetesSource source(config_, options);
  Recorder sink;
  ASSERT_TRUE(source.Start(sink).ok());
  ASSERT_TRUE(Pump(source, sink, [&] { return source.synced(); }));
  Post("/test/watch-error", R"({"code": 500})");
  Post("/test/drop", "{}");  // The open watches end; new ones get ERROR.
  const int before = Watches();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const int during = Watches() - before;
  Post("/test/watch-error", R"({"code": 0})");
  // 200 ms, then 400, 800...: a handful of namespace watches, not the
  // hundreds of a loop without a pause.
  EXPECT_LE(during, 8) << during << " watches in 1.5 s";
  EXPECT_GE(during, 1);
}

}  // namespace
}  // namespace podwall::sources
