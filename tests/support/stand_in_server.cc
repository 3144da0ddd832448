#include "tests/support/stand_in_server.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"

#ifndef PODWALL_SOURCE_DIR
#error "PODWALL_SOURCE_DIR must name the source tree (set by CMake)"
#endif

namespace podwall::test_support {

absl::StatusOr<std::unique_ptr<StandInServer>> StandInServer::Start(
    const std::string& script, const std::vector<std::string>& args) {
  static std::atomic<int> counter{0};
  std::unique_ptr<StandInServer> s(new StandInServer());
  s->work_ = std::filesystem::temp_directory_path() /
             absl::StrCat("podwall-stand-in-", getpid(), "-", counter++);
  std::filesystem::create_directories(s->work_);
  std::string cmd = absl::StrCat("/usr/bin/python3 ", PODWALL_SOURCE_DIR, "/",
                                 script, " ", s->work_.string());
  for (const std::string& a : args) absl::StrAppend(&cmd, " ", a);
  absl::StrAppend(&cmd, " & echo $!");
  s->pipe_ = popen(cmd.c_str(), "r");
  if (!s->pipe_) return absl::InternalError("popen: " + cmd);
  char line[256] = {};
  if (!fgets(line, sizeof(line), s->pipe_)) {
    return absl::InternalError("no pid from: " + cmd);
  }
  s->pid_ = std::stoi(line);
  if (!fgets(line, sizeof(line), s->pipe_) ||
      std::string(line).find("ready") == std::string::npos) {
    return absl::InternalError(absl::StrCat(script, " did not get ready"));
  }
  s->ready_line_ = line;
  return s;
}

StandInServer::~StandInServer() {
  if (pid_ > 0) kill(pid_, SIGTERM);
  if (pipe_) pclose(pipe_);
  std::error_code ec;
  std::filesystem::remove_all(work_, ec);
}

}  // namespace podwall::test_support
