#include "enforcer/flowlog/flow_outputs.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::flowlog {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

FlowRecord Rec(const std::string& verdict) {
  FlowRecord r;
  r.verdict = verdict;
  r.time = std::chrono::system_clock::now();
  return r;
}

TEST(FlowRingTest, KeepsNewestAndFiltersWithLast) {
  FlowRing ring(3);
  for (int i = 0; i < 5; ++i) {
    ring.Add(Rec(i % 2 ? "deny" : "allow"), "r" + std::to_string(i));
  }
  EXPECT_EQ(ring.size(), 3u);
  FlowFilter all;
  auto got = ring.Query(all);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(*got[0], "r2");
  EXPECT_EQ(*got[2], "r4");
  FlowFilter deny;
  deny.verdict = "deny";
  got = ring.Query(deny);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(*got[0], "r3");
  FlowFilter last;
  last.last = 2;
  got = ring.Query(last);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(*got[0], "r3");
}

TEST(FlowFileWriterTest, WritesLinesAndRotatesBySize) {
  const fs::path dir = fs::temp_directory_path() /
                       ("podwall-flowfile-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "flows.jsonl").string();
  {
    auto w = FlowFileWriter::Open(path, 100, 2);
    ASSERT_TRUE(w.ok()) << w.status();
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE((*w)->Write("line-" + std::to_string(100 + i)));  // 9 B
    }
  }  // Flushes and stops.
  std::size_t lines = 0;
  for (const char* suffix : {"", ".1", ".2"}) {
    std::ifstream in(path + suffix);
    ASSERT_TRUE(in.good()) << suffix;
    std::string line;
    while (std::getline(in, line)) ++lines;
    EXPECT_LE(fs::file_size(path + suffix), 100u);
  }
  EXPECT_FALSE(fs::exists(path + ".3")) << "at most 2 old files";
  // The newest 2 files plus the current one hold the last lines.
  std::ifstream current(path);
  std::string last, line;
  while (std::getline(current, line)) last = line;
  EXPECT_EQ(last, "line-129");
  EXPECT_GT(lines, 10u);
  fs::remove_all(dir);
}

TEST(FlowFileWriterTest, UnwritablePath_IsInvalidArgument) {
  auto w = FlowFileWriter::Open("/nonexistent/dir/flows.jsonl", 100, 1);
  EXPECT_TRUE(absl::IsInvalidArgument(w.status()));
}

// A symlink where the log goes (someone with write access to the log
// directory pointing it at /etc/shadow, say) is refused, not followed.
TEST(FlowFileWriterTest, Symlink_IsRefused) {
  const fs::path dir = fs::temp_directory_path() /
                       ("podwall-flowlink-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::create_symlink(dir / "target", dir / "flows.jsonl");
  auto w = FlowFileWriter::Open((dir / "flows.jsonl").string(), 100, 1);
  EXPECT_TRUE(absl::IsInvalidArgument(w.status()));
  EXPECT_FALSE(fs::exists(dir / "target"));
  fs::remove_all(dir);
}

// The log's directory vanishes: a rotation cannot reopen the file, the
// lines meanwhile are counted as lost with the reason, and once the
// directory is back the writer opens the file again by itself.
TEST(FlowFileWriterTest, FailedReopen_CountsLostLines_ThenRecovers) {
  const fs::path dir = fs::temp_directory_path() /
                       ("podwall-flowgone-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "flows.jsonl").string();
  auto w = FlowFileWriter::Open(path, 20, 1);
  ASSERT_TRUE(w.ok()) << w.status();
  auto wait_for = [&](const std::function<bool()>& done) {
    for (int i = 0; i < 200 && !done(); ++i) usleep(10000);
    return done();
  };
  fs::remove_all(dir);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE((*w)->Write("lost-" + std::to_string(i)));
  ASSERT_TRUE(wait_for([&] { return (*w)->errors() >= 3; })) << (*w)->errors();
  EXPECT_THAT((*w)->last_error(), HasSubstr("open " + path));
  fs::create_directories(dir);
  ASSERT_TRUE((*w)->Write("back"));
  ASSERT_TRUE(wait_for([&] {
    std::ifstream in(path);
    std::string line;
    return std::getline(in, line) && line == "back";
  }));
  w->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace podwall::flowlog
