// EnsureBridgeFiltering over a stand-in procfs and sysfs (temporary
// directories): no root, no kernel.

#include "enforcer/links/bridge_filtering.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::links {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class BridgeFilteringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("pw-brnf-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    paths_.sysctl_dir = root_ / "proc";
    paths_.sys_class_net = root_ / "net";
    fs::create_directories(paths_.sys_class_net + "/veth-bridged/brport");
    fs::create_directories(paths_.sys_class_net + "/veth-routed");
  }
  void TearDown() override { fs::remove_all(root_); }

  void Knobs(const char* v4, const char* v6) {
    fs::create_directories(paths_.sysctl_dir);
    std::ofstream(paths_.sysctl_dir + "/bridge-nf-call-iptables") << v4;
    std::ofstream(paths_.sysctl_dir + "/bridge-nf-call-ip6tables") << v6;
  }
  std::string Read(const char* knob) {
    std::string v;
    std::ifstream(paths_.sysctl_dir + "/" + knob) >> v;
    return v;
  }

  fs::path root_;
  BridgeFilteringPaths paths_;
};

TEST_F(BridgeFilteringTest, NoBridgedDevice_NothingToDoNothingTouched) {
  Knobs("0\n", "0\n");
  EXPECT_EQ(EnsureBridgeFiltering({"veth-routed"}, paths_), "");
  EXPECT_EQ(Read("bridge-nf-call-iptables"), "0");
}

TEST_F(BridgeFilteringTest, BridgedDevice_KnobsOff_TurnedOn) {
  Knobs("0\n", "0\n");
  EXPECT_EQ(EnsureBridgeFiltering({"veth-routed", "veth-bridged"}, paths_), "");
  EXPECT_EQ(Read("bridge-nf-call-iptables"), "1");
  EXPECT_EQ(Read("bridge-nf-call-ip6tables"), "1");
}

TEST_F(BridgeFilteringTest, ModuleNotLoaded_SaysSo) {
  EXPECT_THAT(EnsureBridgeFiltering({"veth-bridged"}, paths_),
              HasSubstr("br_netfilter is not loaded"));
}

TEST_F(BridgeFilteringTest, KnobCannotBeWritten_SaysWhich) {
  Knobs("1\n", "0\n");
  fs::remove(paths_.sysctl_dir + "/bridge-nf-call-ip6tables");
  fs::create_directory(paths_.sysctl_dir + "/bridge-nf-call-ip6tables");
  EXPECT_THAT(EnsureBridgeFiltering({"veth-bridged"}, paths_),
              HasSubstr("net.bridge.bridge-nf-call-ip6tables"));
}

TEST_F(BridgeFilteringTest, NamesThatAreNotInterfaces_Skipped) {
  // A reported device name is untrusted: it must not walk sysfs.
  fs::create_directories(root_ / "brport");
  Knobs("0\n", "0\n");
  EXPECT_EQ(EnsureBridgeFiltering({"..", "../net/veth-bridged", ""}, paths_),
            "");
  EXPECT_EQ(Read("bridge-nf-call-iptables"), "0");
}

}  // namespace
}  // namespace podwall::links
