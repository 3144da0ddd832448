#include "enforcer/links/bridge_filtering.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "enforcer/links/sysfs_devices.h"

namespace podwall::links {
namespace {

// "" when the knob is (now) 1, else the problem.
std::string EnsureOne(const std::string& dir, const std::string& knob) {
  const std::string path = dir + "/" + knob;
  std::string value;
  {
    std::ifstream in(path);
    if (!in) {
      return "br_netfilter is not loaded (no " + path +
             "): bridged pods bypass every rule; load it (modprobe "
             "br_netfilter)";
    }
    std::getline(in, value);
  }
  if (absl::StripAsciiWhitespace(value) == "1") return "";
  std::ofstream out(path);
  if (out) out << "1\n";
  out.close();
  if (!out) {
    return absl::StrCat("net.bridge.", knob, " is ", value,
                        " and cannot be set to 1 (", std::strerror(errno),
                        "): bridged pods bypass every rule");
  }
  std::ifstream again(path);
  std::getline(again, value);
  if (absl::StripAsciiWhitespace(value) != "1") {
    return absl::StrCat("net.bridge.", knob, " stays ", value,
                        " after writing 1: bridged pods bypass every rule");
  }
  return "";
}

}  // namespace

std::string EnsureBridgeFiltering(const std::set<std::string>& devices,
                                  const BridgeFilteringPaths& paths) {
  bool bridged = false;
  for (const std::string& dev : devices) {
    std::error_code ec;
    if (ValidInterfaceName(dev) &&
        std::filesystem::exists(paths.sys_class_net + "/" + dev + "/brport",
                                ec)) {
      bridged = true;
      break;
    }
  }
  if (!bridged) return "";
  for (const char* knob :
       {"bridge-nf-call-iptables", "bridge-nf-call-ip6tables"}) {
    std::string problem = EnsureOne(paths.sysctl_dir, knob);
    if (!problem.empty()) return problem;
  }
  return "";
}

}  // namespace podwall::links
