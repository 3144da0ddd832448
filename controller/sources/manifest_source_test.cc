// ManifestSource against a real directory and real inotify.

#include "controller/sources/manifest_source.h"

#include <poll.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::sources {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RecordingSink : public ChangeSink {
 public:
  void Apply(const ObjectChange& c) override {
    changes.push_back(
        (c.type == ObjectChange::Type::kUpsert ? "upsert " : "delete ") +
        ObjectKey(c.object));
    if (auto* ns = std::get_if<schema::Namespace>(&c.object)) {
      last_labels = ns->metadata.labels;
    }
  }
  void Note(Severity s, const std::string&, const std::string& m) override {
    if (s == Severity::kError) errors.push_back(m);
  }
  std::vector<std::string> changes;
  std::vector<std::string> errors;
  schema::Labels last_labels;
};

std::string Ns(const std::string& name, const std::string& team = "blue") {
  return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name +
         ", labels: {team: " + team + "}}\n";
}

class ManifestSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("podwall-ms-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  // Waits for inotify, then runs the debounced work, as the daemon's loop.
  void Pump(ManifestSource& source) {
    pollfd p{source.fd(), POLLIN, 0};
    for (int i = 0; i < 50; ++i) {
      if (poll(&p, 1, 20) > 0) source.ProcessEvents(sink_);
      if (source.deadline() && *source.deadline() <= SteadyClock::now()) {
        source.OnDeadline(sink_);
        return;
      }
    }
  }

  fs::path dir_;
  RecordingSink sink_;
};

TEST_F(ManifestSourceTest, Start_ReadsManifestFilesOnly) {
  Write("a.yaml", Ns("a"));
  Write("b.json",
        R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"b"}})");
  Write("notes.txt", Ns("ignored"));
  Write(".hidden.yaml", Ns("ignored"));
  Write("c.yaml~", Ns("ignored"));
  ManifestSource source(dir_.string());
  ASSERT_TRUE(source.Start(sink_).ok());
  EXPECT_THAT(sink_.changes,
              ElementsAre("upsert Namespace//a", "upsert Namespace//b"));
  EXPECT_EQ(source.status().objects, 2u);
  EXPECT_TRUE(source.status().ok);
}

TEST_F(ManifestSourceTest, FileChanged_ReportsOnlyWhatChanged) {
  Write("a.yaml", Ns("a") + "---\n" + Ns("b"));
  ManifestSource source(dir_.string());
  ASSERT_TRUE(source.Start(sink_).ok());
  sink_.changes.clear();
  Write("a.yaml", Ns("a") + "---\n" + Ns("b", "red") + "---\n" + Ns("c"));
  Pump(source);
  EXPECT_THAT(sink_.changes,
              ElementsAre("upsert Namespace//b", "upsert Namespace//c"));
}

TEST_F(ManifestSourceTest, RenamedOverAndRemoved) {
  ManifestSource source(dir_.string());
  ASSERT_TRUE(source.Start(sink_).ok());
  // An editor's temporary, then renamed over the real name.
  Write(".a.yaml.swp", Ns("a"));
  fs::rename(dir_ / ".a.yaml.swp", dir_ / "a.yaml");
  Pump(source);
  EXPECT_THAT(sink_.changes, ElementsAre("upsert Namespace//a"));
  sink_.changes.clear();
  fs::remove(dir_ / "a.yaml");
  Pump(source);
  EXPECT_THAT(sink_.changes, ElementsAre("delete Namespace//a"));
  EXPECT_EQ(source.status().objects, 0u);
}

TEST_F(ManifestSourceTest, InvalidFile_KeepsPreviousContentAndReportsIt) {
  Write("a.yaml", Ns("a"));
  Write("b.yaml", Ns("b"));
  ManifestSource source(dir_.string());
  ASSERT_TRUE(source.Start(sink_).ok());
  sink_.changes.clear();
  Write("a.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: Not_Valid}\n");
  Write("b.yaml", Ns("b", "red"));
  Pump(source);
  // b still applies; a keeps its last good content.
  EXPECT_THAT(sink_.changes, ElementsAre("upsert Namespace//b"));
  ASSERT_EQ(sink_.errors.size(), 1u);
  EXPECT_THAT(sink_.errors[0], HasSubstr("a.yaml:3: metadata.name"));
  EXPECT_THAT(sink_.errors[0], HasSubstr("previous content stays in force"));
  SourceStatus st = source.status();
  EXPECT_FALSE(st.ok);
  EXPECT_EQ(st.objects, 2u);
  EXPECT_EQ(st.invalid_inputs_total, 1u);
  // Fixed: the error clears and the new content applies.
  Write("a.yaml", Ns("a", "green"));
  Pump(source);
  EXPECT_TRUE(source.status().ok);
  EXPECT_EQ(sink_.last_labels.at("team"), "green");
}

TEST_F(ManifestSourceTest, SameObjectInTwoFiles_FirstFileWins) {
  Write("a.yaml", Ns("x", "from-a"));
  Write("b.yaml", Ns("x", "from-b"));
  ManifestSource source(dir_.string());
  ASSERT_TRUE(source.Start(sink_).ok());
  EXPECT_EQ(sink_.last_labels.at("team"), "from-a");
  sink_.changes.clear();
  fs::remove(dir_ / "a.yaml");
  Pump(source);
  // b's definition takes over; the object never disappears.
  EXPECT_THAT(sink_.changes, ElementsAre("upsert Namespace//x"));
  EXPECT_EQ(sink_.last_labels.at("team"), "from-b");
}

TEST_F(ManifestSourceTest, BurstOfWrites_IsReadOnce) {
  ManifestSource source(dir_.string());
  ASSERT_TRUE(source.Start(sink_).ok());
  for (int i = 0; i < 20; ++i)
    Write("a.yaml", Ns("a", "t" + std::to_string(i)));
  Pump(source);
  EXPECT_THAT(sink_.changes, ElementsAre("upsert Namespace//a"));
  EXPECT_EQ(sink_.last_labels.at("team"), "t19");
}

TEST_F(ManifestSourceTest, Reload_PicksUpWhatInotifyMissed) {
  ManifestSource source(dir_.string());
  ASSERT_TRUE(source.Start(sink_).ok());
  Write("a.yaml", Ns("a"));
  source.Reload(sink_);
  EXPECT_THAT(sink_.changes, ElementsAre("upsert Namespace//a"));
}

// A SIGHUP storm re-reads the directory: files whose bytes did not change
// are not parsed again (a 7 MB policy file is not decoded every time), so
// an invalid file is reported and counted once, not once per signal.
TEST_F(ManifestSourceTest, Reload_SameContent_NotParsedAgain) {
  Write("a.yaml", Ns("a"));
  Write("bad.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: Not_Valid}\n");
  ManifestSource source(dir_.string());
  ASSERT_TRUE(source.Start(sink_).ok());
  ASSERT_EQ(sink_.errors.size(), 1u);
  sink_.changes.clear();
  for (int i = 0; i < 10; ++i) source.Reload(sink_);
  EXPECT_THAT(sink_.changes, IsEmpty());
  EXPECT_EQ(sink_.errors.size(), 1u);
  EXPECT_EQ(source.status().invalid_inputs_total, 1u);
  // Changed bytes are read at the next reload.
  Write("a.yaml", Ns("a", "red"));
  source.Reload(sink_);
  EXPECT_THAT(sink_.changes, ElementsAre("upsert Namespace//a"));
}

TEST_F(ManifestSourceTest, MissingDirectory_FailsStart) {
  ManifestSource source((dir_ / "nope").string());
  absl::Status st = source.Start(sink_);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("not a directory"));
  EXPECT_THAT(sink_.changes, IsEmpty());
}

}  // namespace
}  // namespace podwall::sources
