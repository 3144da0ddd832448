// sysfs_devices over a stand-in /sys/class/net (a temporary directory).

#include "enforcer/links/sysfs_devices.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace podwall::links {
namespace {

namespace fs = std::filesystem;

TEST(SysfsDevicesTest, ValidInterfaceName) {
  EXPECT_TRUE(ValidInterfaceName("veth0a1b2c3d"));
  EXPECT_FALSE(ValidInterfaceName(""));
  EXPECT_FALSE(ValidInterfaceName(".."));
  EXPECT_FALSE(ValidInterfaceName("a/b"));
  EXPECT_FALSE(ValidInterfaceName("sixteen-bytes-xx"));
}

TEST(SysfsDevicesTest, PairedDevice_VethYes_IfbAndMissingNo) {
  const fs::path root =
      fs::temp_directory_path() / ("pw-sysfs-" + std::to_string(getpid()));
  fs::remove_all(root);
  auto dev = [&](const char* name, const char* ifindex, const char* iflink) {
    fs::create_directories(root / name);
    std::ofstream(root / name / "ifindex") << ifindex << "\n";
    std::ofstream(root / name / "iflink") << iflink << "\n";
  };
  dev("veth1", "7", "2");
  dev("bwp1", "9", "9");
  EXPECT_TRUE(IsPairedDevice("veth1", root.string()));
  EXPECT_FALSE(IsPairedDevice("bwp1", root.string()));
  EXPECT_FALSE(IsPairedDevice("nothere", root.string()));
  EXPECT_FALSE(IsPairedDevice("../bwp1", root.string()));
  fs::remove_all(root);
}

}  // namespace
}  // namespace podwall::links
