#include "controller/sources/kubeconfig.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::sources {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("podwall-kc-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

constexpr char kConfig[] = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: other
  cluster: {server: "https://10.0.0.9:6443"}
- name: local
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority: ca.pem
contexts:
- name: dev
  context: {cluster: local, user: admin}
- name: ops
  context: {cluster: other, user: robot}
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: robot
  user:
    tokenFile: token
)";

TEST_F(KubeconfigTest, CurrentContext_ServerCaFileAndClientCertData) {
  Write("ca.pem", "CA PEM");
  auto c = LoadKubeconfig(Write("config", kConfig), "");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "CA PEM");
  EXPECT_EQ(c->client_cert_pem, "CERT");
  EXPECT_EQ(c->client_key_pem, "KEY");
  EXPECT_FALSE(c->insecure_skip_tls_verify);
}

TEST_F(KubeconfigTest, NamedContext_TokenFileReReadEachTime) {
  Write("ca.pem", "CA");
  auto c = LoadKubeconfig(Write("config", kConfig), "ops");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://10.0.0.9:6443");
  Write("token", "first\n");
  EXPECT_EQ(*CurrentToken(*c), "first");
  Write("token", "rotated\n");
  EXPECT_EQ(*CurrentToken(*c), "rotated");
}

TEST_F(KubeconfigTest, Errors_NameFileLineAndField) {
  Write("ca.pem", "CA");
  std::string bad = kConfig;
  bad.replace(bad.find("S0VZ"), 4, "not*base64");
  auto c = LoadKubeconfig(Write("config", bad), "");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("config:20: users[0].user.client-key-data: not "
                        "base64"))
      << c.status();
  auto missing = LoadKubeconfig(Write("config2", kConfig), "nope");
  EXPECT_THAT(missing.status().message(),
              HasSubstr("contexts: no entry named 'nope'"));
  auto no_file = LoadKubeconfig((dir_ / "absent").string(), "");
  EXPECT_THAT(no_file.status().message(), HasSubstr("cannot read the file"));
  auto not_yaml = LoadKubeconfig(Write("config3", "a: [\n"), "");
  EXPECT_THAT(not_yaml.status().message(), HasSubstr("invalid YAML"));
  fs::remove(dir_ / "ca.pem");
  auto no_ca = LoadKubeconfig(Write("config4", kConfig), "");
  EXPECT_THAT(no_ca.status().message(),
              HasSubstr("config4:10: clusters[1].cluster.certificate-"
                        "authority: "))
      << no_ca.status();
}

TEST_F(KubeconfigTest, TokenOverPlainHttp_RefusedUnlessSaidInsecure) {
  Write("token", "secret\n");
  std::string plain = kConfig;
  plain.replace(plain.find("https://10.0.0.9:6443"), 21,
                "http://10.0.0.9:6443");
  auto c = LoadKubeconfig(Write("config", plain), "ops");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("users[1].user.tokenFile: a bearer token is not sent "
                        "to an http:// server"));
  std::string allowed = plain;
  allowed.replace(allowed.find("{server: \"http://10.0.0.9:6443\"}"), 32,
                  "{server: \"http://10.0.0.9:6443\", "
                  "insecure-skip-tls-verify: true}");
  EXPECT_TRUE(LoadKubeconfig(Write("config2", allowed), "ops").ok());
}

TEST_F(KubeconfigTest, InCluster_EnvAndServiceAccountFiles) {
  Write("token", "sa-token\n");
  Write("ca.crt", "CLUSTER CA");
  auto c = InClusterConfig({{"KUBERNETES_SERVICE_HOST", "fd00::1"},
                            {"KUBERNETES_SERVICE_PORT", "443"}},
                           dir_.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "https://[fd00::1]:443");
  EXPECT_EQ(c->ca_pem, "CLUSTER CA");
  EXPECT_EQ(*CurrentToken(*c), "sa-token");
  auto outside = InClusterConfig({}, dir_.string());
  EXPECT_THAT(outside.status().message(), HasSubstr("not running in a pod"));
}

}  // namespace
}  // namespace podwall::sources
