// RunCni with a fake podwalld: what it sends, what it prints, how it fails.
// tests/kernel/cni_test.py runs the binary with the real bridge plugin.

#include "enforcer/cni/cni_plugin.h"

#include <sstream>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::cni {
namespace {

using ::testing::HasSubstr;

// As the bridge plugin prints it: the bridge, the host veth, the pod's eth0.
constexpr char kPrevResult[] =
    R"({"cniVersion":"1.0.0","interfaces":[{"name":"pwbr","mac":"aa:00:00:00:00:01"},)"
    R"({"name":"veth0a1b2c3d","mac":"aa:00:00:00:00:02"},)"
    R"({"name":"eth0","mac":"aa:00:00:00:00:03","sandbox":"/var/run/netns/p"}],)"
    R"("ips":[{"interface":2,"address":"10.1.0.11/24","gateway":"10.1.0.1"},)"
    R"({"interface":2,"address":"fd00::11/64"}],"dns":{}})";

struct Sent {
  std::string socket, method, target, body;
  int timeout;
};

class CniPluginTest : public ::testing::Test {
 protected:
  CniCall Call(const std::string& command, const std::string& extra = "",
               const std::string& prev = kPrevResult) {
    CniCall c;
    c.command = command;
    c.container_id = "sandbox-1";
    c.netns = "/var/run/netns/p";
    c.ifname = "eth0";
    c.args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=x;K8S_POD_NAME=a";
    c.config = std::string(R"({"cniVersion":"1.0.0","name":"k8s","type":)") +
               R"("podwall-cni","socket":"/tmp/pw.sock")" + extra +
               R"(,"prevResult":)" + prev + "}";
    return c;
  }
  int Run(const CniCall& call) {
    out_.str("");
    return RunCni(
        call,
        [this](const std::string& socket, const std::string& method,
               const std::string& target, const std::string& body,
               int timeout) -> absl::StatusOr<DaemonAnswer> {
          sent_.push_back({socket, method, target, body, timeout});
          if (!reachable_) return absl::UnavailableError("no socket");
          return answer_;
        },
        out_);
  }

  std::vector<Sent> sent_;
  bool reachable_ = true;
  DaemonAnswer answer_{200, R"({"ok":true,"generation":4})"};
  std::ostringstream out_;
};

TEST_F(CniPluginTest, Add_ReportsThePodAndPassesPrevResultOn) {
  ASSERT_EQ(Run(Call("ADD")), 0) << out_.str();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].socket, "/tmp/pw.sock");
  EXPECT_EQ(sent_[0].method, "POST");
  EXPECT_EQ(sent_[0].target, "/v1/endpoints");
  EXPECT_EQ(sent_[0].body,
            R"({"namespace":"x","name":"a","containerID":"sandbox-1",)"
            R"("interface":"veth0a1b2c3d","ips":["10.1.0.11","fd00::11"],)"
            R"("timeoutSeconds":14})");
  EXPECT_EQ(sent_[0].timeout, 15);
  EXPECT_EQ(out_.str(), std::string(kPrevResult) + "\n");
}

// With the bandwidth plugin before podwall-cni, prevResult also lists its
// IFB device, after the pod's eth0: the veth is still the pod's interface.
TEST_F(CniPluginTest, Add_BandwidthPluginsIfbIsNotThePodsInterface) {
  std::string prev = kPrevResult;
  const std::string eth0 =
      R"({"name":"eth0","mac":"aa:00:00:00:00:03","sandbox":"/var/run/netns/p"})";
  prev.replace(prev.find(eth0), eth0.size(),
               eth0 + R"(,{"name":"bwp4f2a9c1e","mac":"aa:00:00:00:00:04"})");
  ASSERT_EQ(Run(Call("ADD", "", prev)), 0) << out_.str();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_THAT(sent_[0].body, HasSubstr(R"("interface":"veth0a1b2c3d")"));
}

TEST_F(CniPluginTest, Add_FailsWhenPodwalldDoesNotEnforce) {
  answer_ = {200, R"({"ok":false,"error":"no source has reported pod x/a"})"};
  EXPECT_EQ(Run(Call("ADD", R"(,"timeoutSeconds":3)")), 1);
  EXPECT_EQ(sent_[0].timeout, 3);
  EXPECT_THAT(out_.str(), HasSubstr(R"("code":100)"));
  EXPECT_THAT(out_.str(), HasSubstr("no source has reported pod x/a"));

  reachable_ = false;
  EXPECT_EQ(Run(Call("ADD")), 1);
  EXPECT_THAT(out_.str(), HasSubstr(R"("code":11)"));  // Try again later.
  EXPECT_THAT(out_.str(), HasSubstr("podwalld is not reachable"));
}

TEST_F(CniPluginTest, Add_NeedsThePodsNameAndAPrevResult) {
  CniCall c = Call("ADD");
  c.args = "IgnoreUnknown=1";
  EXPECT_EQ(Run(c), 1);
  EXPECT_THAT(out_.str(), HasSubstr("K8S_POD_NAMESPACE"));
  c = Call("ADD");
  c.config = R"({"cniVersion":"1.0.0","name":"k8s","type":"podwall-cni"})";
  EXPECT_EQ(Run(c), 1);
  EXPECT_THAT(out_.str(), HasSubstr("no prevResult"));
  c.config = R"({"cniVersion":"9.9.9"})";
  EXPECT_EQ(Run(c), 1);
  EXPECT_THAT(out_.str(), HasSubstr(R"("code":1,)"));
  EXPECT_TRUE(sent_.empty());
}

TEST_F(CniPluginTest, Del_TellsPodwalldAndNeverFails) {
  EXPECT_EQ(Run(Call("DEL")), 0);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].target, "/v1/endpoints/delete");
  EXPECT_EQ(sent_[0].body,
            R"({"namespace":"x","name":"a","containerID":"sandbox-1"})");
  reachable_ = false;
  EXPECT_EQ(Run(Call("DEL")), 0);
  CniCall broken = Call("DEL");
  broken.config = "not json";
  EXPECT_EQ(Run(broken), 0);
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CniPluginTest, Check_AsksPodwalld) {
  answer_ = {200, R"({"ok":true,"known":true,"synced":true})"};
  EXPECT_EQ(Run(Call("CHECK")), 0);
  EXPECT_EQ(sent_[0].method, "GET");
  EXPECT_EQ(sent_[0].target, "/v1/endpoints?namespace=x&name=a");
  answer_ = {200, R"({"ok":false,"known":false,"synced":true})"};
  EXPECT_EQ(Run(Call("CHECK")), 1);
}

TEST_F(CniPluginTest, Version_ListsWhatItSpeaks) {
  CniCall c;
  c.command = "VERSION";
  EXPECT_EQ(Run(c), 0);
  EXPECT_THAT(out_.str(), HasSubstr(R"("supportedVersions":["0.3.0","0.3.1")"));
}

TEST(CniArgsTest, Pairs) {
  auto args =
      ParseCniArgs("IgnoreUnknown=1;K8S_POD_NAMESPACE=x;K8S_POD_NAME=a");
  EXPECT_EQ(args.size(), 3u);
  EXPECT_EQ(args["K8S_POD_NAME"], "a");
  EXPECT_TRUE(ParseCniArgs("").empty());
}

}  // namespace
}  // namespace podwall::cni
