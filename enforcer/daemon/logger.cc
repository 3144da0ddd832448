#include "enforcer/daemon/logger.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "policy-schema/json_writer.h"

namespace podwall::daemon {
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
  return schema::FormatRfc3339(std::chrono::system_clock::now());
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

}  // namespace podwall::daemon
