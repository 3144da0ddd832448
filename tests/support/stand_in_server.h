#ifndef PODWALL_TESTS_SUPPORT_STAND_IN_SERVER_H_
#define PODWALL_TESTS_SUPPORT_STAND_IN_SERVER_H_

// A stand-in for a server podwall talks to (the Kubernetes API server, the
// Docker Engine), run for one test: a Python script under the source tree,
// started with a fresh working directory, ready once it prints a line with
// "ready"; killed, and its directory removed, when this goes.

#include <sys/types.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace podwall::test_support {

class StandInServer {
 public:
  // Runs `script` (relative to the source tree) with the working directory
  // first and `args` after it.
  static absl::StatusOr<std::unique_ptr<StandInServer>> Start(
      const std::string& script, const std::vector<std::string>& args = {});
  ~StandInServer();
  StandInServer(const StandInServer&) = delete;
  StandInServer& operator=(const StandInServer&) = delete;

  // A directory of the test's own, which the server may write to.
  const std::filesystem::path& work() const { return work_; }
  // The line that said it was ready ("ready PORT").
  const std::string& ready_line() const { return ready_line_; }

 private:
  StandInServer() = default;

  std::filesystem::path work_;
  FILE* pipe_ = nullptr;
  pid_t pid_ = 0;
  std::string ready_line_;
};

}  // namespace podwall::test_support

#endif  // PODWALL_TESTS_SUPPORT_STAND_IN_SERVER_H_
