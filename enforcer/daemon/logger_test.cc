#include "enforcer/daemon/logger.h"

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::daemon {
namespace {

using ::testing::MatchesRegex;

TEST(LoggerTest, Format_KeyValueQuotedWhenNeeded) {
  EXPECT_EQ(FormatLogFields(LogLevel::kWarning, "drift repaired",
                            {{"generation", "3"},
                             {"error", "chain \"in_x/a\": No such file"},
                             {"empty", ""}}),
            "level=warn msg=\"drift repaired\" generation=3 "
            "error=\"chain \\\"in_x/a\\\": No such file\" empty=\"\"");
}

TEST(LoggerTest, Log_OneLinePerEventWithTime) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  Logger log(fds[1], LogLevel::kInfo);
  log.Log(LogLevel::kDebug, "hidden");
  log.Info("synced", {{"generation", "1"}});
  close(fds[1]);
  char buf[512] = {};
  ASSERT_GT(read(fds[0], buf, sizeof(buf) - 1), 0);
  close(fds[0]);
  EXPECT_THAT(std::string(buf),
              MatchesRegex("time=[0-9-]+T[0-9:.]+Z level=info msg=synced "
                           "generation=1\n"));
}

}  // namespace
}  // namespace podwall::daemon
