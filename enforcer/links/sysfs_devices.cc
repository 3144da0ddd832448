#include "enforcer/links/sysfs_devices.h"

#include <fstream>

#include "absl/strings/strip.h"

namespace podwall::links {
namespace {

std::string ReadFirstLine(const std::string& path) {
  std::string value;
  std::ifstream in(path);
  std::getline(in, value);
  return std::string(absl::StripAsciiWhitespace(value));
}

}  // namespace

bool ValidInterfaceName(const std::string& name) {
  return !name.empty() && name.size() < 16 && name != "." && name != ".." &&
         name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

bool IsPairedDevice(const std::string& name, const std::string& sys_class_net) {
  if (!ValidInterfaceName(name)) return false;
  const std::string dir = sys_class_net + "/" + name;
  const std::string ifindex = ReadFirstLine(dir + "/ifindex");
  const std::string iflink = ReadFirstLine(dir + "/iflink");
  return !ifindex.empty() && !iflink.empty() && ifindex != iflink;
}

}  // namespace podwall::links
