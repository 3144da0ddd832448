#ifndef PODWALL_ENFORCER_DAEMON_LOGGER_H_
#define PODWALL_ENFORCER_DAEMON_LOGGER_H_

// Structured logs: one line per event on a file descriptor (stderr),
//   time=2026-11-22T13:45:01.123Z level=info msg="synced" generation=3
// values quoted when they hold spaces, quotes or '='. Each line is one
// write(2), so lines never interleave.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace podwall::daemon {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogFields = std::vector<std::pair<std::string_view, std::string>>;

class Logger {
 public:
  explicit Logger(int fd = 2, LogLevel min_level = LogLevel::kInfo)
      : fd_(fd), min_level_(min_level) {}

  void Log(LogLevel level, std::string_view msg, const LogFields& fields = {});
  void Info(std::string_view msg, const LogFields& fields = {}) {
    Log(LogLevel::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, const LogFields& fields = {}) {
    Log(LogLevel::kWarning, msg, fields);
  }
  void Error(std::string_view msg, const LogFields& fields = {}) {
    Log(LogLevel::kError, msg, fields);
  }

 private:
  int fd_;
  LogLevel min_level_;
};

// The line Log() writes, without the time (for tests).
std::string FormatLogFields(LogLevel level, std::string_view msg,
                            const LogFields& fields);

// RFC 3339 UTC with microseconds: "2026-11-22T13:45:01.123456Z".
std::string Rfc3339Now();

}  // namespace podwall::daemon

#endif  // PODWALL_ENFORCER_DAEMON_LOGGER_H_
