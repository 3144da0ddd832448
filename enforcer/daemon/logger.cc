#include "enforcer/daemon/logger.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace podwall::enforcer {
namespace {

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void AppendValue(std::string& out, std::string_view v) {
  const bool quote =
      v.empty() || v.find_first_of(" \"=\t\n\\") != std::string_view::npos;
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\t') {
      out.append("\\t");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

std::string Rfc3339Now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      now.time_since_epoch())
                      .count() %
                  1000000;
  std::tm tm;
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<long long>(us));
  return buf;
}

std::string FormatLogFields(LogLevel level, std::string_view msg,
                            const LogFields& fields) {
  std::string out = "level=";
  out.append(LevelName(level));
  out.append(" msg=");
  AppendValue(out, msg);
  for (const auto& [k, v] : fields) {
    out.push_back(' ');
    out.append(k);
    out.push_back('=');
    AppendValue(out, v);
  }
  return out;
}

void Logger::Log(LogLevel level, std::string_view msg,
                 const LogFields& fields) {
  if (level < min_level_) return;
  std::string line = "time=" + Rfc3339Now() + " ";
  line += FormatLogFields(level, msg, fields);
  line.push_back('\n');
  // One write per line; a full pipe loses the line rather than blocking.
  (void)!write(fd_, line.data(), line.size());
}

}  // namespace podwall::enforcer
