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

// The whole answer to `filter`, read `budget` bytes at a time.
std::string ReadAll(const FlowRing& ring, const FlowFilter& filter,
                    std::size_t budget = 1 << 20) {
  FlowRing::Cursor cursor = ring.Start(filter);
  std::string out;
  while (ring.Read(cursor, filter, out.size() + budget, out)) {
  }
  return out;
}

TEST(FlowRingTest, KeepsNewestAndFiltersWithLast) {
  FlowRing ring(3, 1 << 20);
  for (int i = 0; i < 5; ++i) {
    ring.Add(Rec(i % 2 ? "deny" : "allow"), "r" + std::to_string(i));
  }
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(ReadAll(ring, FlowFilter{}), "r2\nr3\nr4\n");
  FlowFilter deny;
  deny.verdict = "deny";
  EXPECT_EQ(ReadAll(ring, deny), "r3\n");
  FlowFilter last;
  last.last = 2;
  EXPECT_EQ(ReadAll(ring, last), "r3\nr4\n");
  last.last = 10;
  EXPECT_EQ(ReadAll(ring, last), "r2\nr3\nr4\n");
}

// A record with large labels (what a namespace owner chooses) counts at
// its size: the ring keeps what fits its bytes, not a number of records.
TEST(FlowRingTest, ByteBudget_EvictsTheOldestByTheirSize) {
  FlowRing ring(1000, 64 << 10);
  FlowRecord big = Rec("allow");
  for (int i = 0; i < 8; ++i) {
    big.src.labels["label-" + std::to_string(i)] = std::string(1000, 'v');
  }
  EXPECT_GT(ApproxBytes(big), 8000u);
  for (int i = 0; i < 100; ++i) ring.Add(big, "b" + std::to_string(i));
  EXPECT_LE(ring.bytes(), 64u << 10);
  EXPECT_LT(ring.size(), 8u);
  EXPECT_GT(ring.size(), 3u);
  const std::string all = ReadAll(ring, FlowFilter{});
  EXPECT_TRUE(all.ends_with("b99\n")) << all;
  // Small records: many more fit.
  for (int i = 0; i < 100; ++i) ring.Add(Rec("deny"), "s" + std::to_string(i));
  EXPECT_GT(ring.size(), 20u);
  EXPECT_LE(ring.bytes(), 64u << 10);
}

// An answer read a part at a time while records keep coming: it ends
// where the ring ended when it began, skips what was evicted, and never
// repeats a line.
TEST(FlowRingTest, ReadInParts_WhileTheRingMoves) {
  FlowRing ring(10, 1 << 20);
  for (int i = 0; i < 10; ++i) ring.Add(Rec("allow"), "a" + std::to_string(i));
  FlowFilter all;
  FlowRing::Cursor cursor = ring.Start(all);
  std::string out;
  EXPECT_TRUE(ring.Read(cursor, all, 6, out));  // "a0\na1\n"
  EXPECT_EQ(out, "a0\na1\n");
  for (int i = 10; i < 15; ++i) ring.Add(Rec("allow"), "a" + std::to_string(i));
  // a2..a4 were evicted; the answer goes on from a5 to a9.
  while (ring.Read(cursor, all, out.size() + 6, out)) {
  }
  EXPECT_EQ(out, "a0\na1\na5\na6\na7\na8\na9\n");
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
