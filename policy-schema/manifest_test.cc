#include "policy-schema/manifest.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy-schema/defaults.h"

namespace podwall::schema {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("manifest_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

  fs::path dir_;
};

constexpr char kNamespace[] =
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n";
constexpr char kPolicy[] =
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: deny}\nspec:\n  podSelector: {}\n  egress: [{}]\n";

TEST_F(ManifestTest, ParseManifests_Defaults_AreApplied) {
  auto set = ParseManifests(std::string(kNamespace) + "---\n" + kPolicy, "f");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->objects.size(), 2u);
  const auto& ns = std::get<Namespace>(set->objects[0].object);
  EXPECT_EQ(ns.metadata.labels.at(kNamespaceNameLabel), "x");
  const auto& np = std::get<NetworkPolicy>(set->objects[1].object);
  EXPECT_EQ(np.metadata.namespace_, "default");
  EXPECT_THAT(np.spec.policy_types, ElementsAre("Ingress", "Egress"));
  EXPECT_EQ(set->objects[1].line(), 6);
}

TEST_F(ManifestTest, ParseManifests_NamespaceLabelOverridden_ByRealName) {
  auto set = ParseManifests(
      "kind: Namespace\nmetadata:\n  name: x\n  labels:\n"
      "    kubernetes.io/metadata.name: y\n",
      "f");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(std::get<Namespace>(set->objects[0].object)
                .metadata.labels.at(kNamespaceNameLabel),
            "x");
}

TEST_F(ManifestTest, ParseManifests_ProtocolDefaultsToTcp) {
  auto set = ParseManifests(
      "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\n"
      "metadata: {name: a, namespace: x}\n"
      "spec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 80}]\n"
      "---\nkind: Pod\napiVersion: v1\nmetadata: {name: p, namespace: x}\n"
      "spec:\n  containers: [{name: c, ports: [{containerPort: 80}]}]\n",
      "f");
  ASSERT_TRUE(set.ok()) << set.status();
  const auto& np = std::get<NetworkPolicy>(set->objects[0].object);
  EXPECT_EQ(*np.spec.ingress[0].ports[0].protocol, "TCP");
  EXPECT_THAT(np.spec.policy_types, ElementsAre("Ingress"));
  const auto& pod = std::get<Pod>(set->objects[1].object);
  EXPECT_EQ(*pod.spec.containers[0].ports[0].protocol, "TCP");
}

TEST_F(ManifestTest, LoadManifests_Directory_ReadsManifestFilesInOrder) {
  Write("b.yaml", kPolicy);
  Write("a.yml", kNamespace);
  Write("c.json",
        R"({"kind":"Namespace","apiVersion":"v1","metadata":{"name":"y"}})");
  Write(".a.yaml.swp", "garbage: [");
  Write("notes.txt", "garbage: [");
  Write("d.yaml~", "garbage: [");
  auto files = ExpandManifestPaths({dir_.string()});
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u);
  EXPECT_THAT((*files)[0], HasSubstr("a.yml"));
  EXPECT_THAT((*files)[2], HasSubstr("c.json"));
  auto set = LoadManifests({dir_.string()});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->objects.size(), 3u);
}

TEST_F(ManifestTest, LoadManifests_Duplicate_NamesBothPlaces) {
  const std::string a = Write("a.yaml", kPolicy);
  const std::string b = Write("b.yaml", std::string("---\n") + kPolicy);
  auto set = LoadManifests({a, b});
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(),
              HasSubstr(b +
                        ":2: NetworkPolicy default/deny is already "
                        "defined at " +
                        a + ":1"));
}

TEST_F(ManifestTest, LoadManifests_MissingFile_IsInvalidArgument) {
  auto set = LoadManifests({(dir_ / "nope.yaml").string()});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(set.status().message(), HasSubstr("nope.yaml: cannot read"));
}

TEST_F(ManifestTest, LoadManifests_OneBadFile_RejectsAllWithEveryError) {
  const std::string good = Write("good.yaml", kNamespace);
  const std::string bad1 =
      Write("bad1.yaml",
            "kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\n"
            "metadata: {name: a}\nspec:\n  ingress:\n  - ports: [{port: 0}]\n");
  const std::string bad2 =
      Write("bad2.yaml", "kind: Namespace\nmetadata: {name: A}\n");
  auto set = LoadManifests({good, bad1, bad2});
  ASSERT_FALSE(set.ok());
  const std::string msg(set.status().message());
  EXPECT_THAT(msg, HasSubstr(bad1 + ":6: spec.ingress[0].ports[0].port"));
  EXPECT_THAT(msg, HasSubstr(bad2 + ":2: metadata.name: Invalid value: \"A\""));
}

TEST(EditorTemporaryTest, IsEditorTemporary_KnownPatterns) {
  for (const char* t : {".x.yaml.swp", "x.yaml~", "#x.yaml#", ".#x.yaml",
                        "4913", "x.yaml.tmp", ""}) {
    EXPECT_TRUE(IsEditorTemporary(t)) << t;
  }
  for (const char* f : {"x.yaml", "policy.json", "a.yml"}) {
    EXPECT_FALSE(IsEditorTemporary(f)) << f;
  }
}

// Every example a user may copy must decode and validate.
TEST(ExamplesTest, LoadManifests_EveryExample_IsValid) {
  const fs::path examples =
      fs::path(PODWALL_SOURCE_DIR) / "manifests" / "examples";
  ASSERT_TRUE(fs::is_directory(examples)) << examples;
  auto files = ExpandManifestPaths({examples.string()});
  ASSERT_TRUE(files.ok());
  ASSERT_GE(files->size(), 3u);
  for (const std::string& file : *files) {
    auto set = LoadManifestFile(file);
    ASSERT_TRUE(set.ok()) << set.status();
    EXPECT_FALSE(set->objects.empty()) << file;
    EXPECT_TRUE(set->warnings.empty()) << file;
  }
  EXPECT_TRUE(LoadManifests({examples.string()}).ok());
}

}  // namespace
}  // namespace podwall::schema
