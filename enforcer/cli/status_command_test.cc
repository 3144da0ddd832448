#include "enforcer/cli/status_command.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::cli {
namespace {

using ::testing::HasSubstr;

TEST(StatusCommandTest, FormatStatus_SaysWhatMatters) {
  const std::string text = FormatStatus(
      R"({"node":"node-1","ready":true,"synced":false,"generation":7,
          "last_sync_time":"2026-11-22T13:45:01.123Z",
          "last_error":"chain in_x/a: Invalid argument","audit":false,
          "sources":[{"name":"manifests","target":"/etc/podwall","ok":false,
                      "synced":true,"objects":12,
                      "errors":["a.yaml:3: metadata.name: bad"]},
                     {"name":"kubernetes","target":"https://k:6443",
                      "ok":false,"synced":false,"objects":0,
                      "errors":["connection refused"]}],
          "counts":{"namespaces":3,"pods":9,"policies":2,"local_endpoints":6,
                    "compiled_rules":4,"chains":7,"rules":30,"sets":12,
                    "set_elements":40,"guarded_interfaces":6,
                    "cni_endpoints":2},
          "guarded_networks":["10.251.0.0/24","172.17.0.0/16"]})");
  EXPECT_THAT(text, HasSubstr("podwalld on node-1: ready, NOT synced "
                              "(generation 7"));
  EXPECT_THAT(text, HasSubstr("last error: chain in_x/a: Invalid argument"));
  EXPECT_THAT(text, HasSubstr("manifests /etc/podwall: INVALID INPUT, 12"));
  EXPECT_THAT(text, HasSubstr("    a.yaml:3: metadata.name: bad\n"));
  EXPECT_THAT(text, HasSubstr("kubernetes https://k:6443: NOT SYNCED"));
  EXPECT_THAT(text, HasSubstr("    connection refused\n"));
  EXPECT_THAT(text, HasSubstr("6 local pods"));
  EXPECT_THAT(text, HasSubstr("30 nft rules"));
  EXPECT_THAT(text, HasSubstr("6 guarded interfaces, 2 reported by "
                              "podwall-cni"));
  EXPECT_THAT(text, HasSubstr("guarded pod networks (unknown addresses "
                              "dropped): 10.251.0.0/24 172.17.0.0/16\n"));
}

TEST(StatusCommandTest, FormatStatus_ProblemsConflictsAndWarnings) {
  const std::string text = FormatStatus(
      R"({"node":"node-1","ready":true,"synced":true,"generation":3,
          "last_error":"",
          "sources":[{"name":"docker","target":"/run/docker.sock","ok":true,
                      "synced":true,"objects":2,"errors":[],
                      "warnings":["container 0123456789ab is no endpoint: x"]}],
          "enforcement_problems":["br_netfilter is not loaded"],
          "flow_log_file":{"lines_lost":7,
                           "last_error":"open /x/flows: No such file"},
          "address_conflicts":[{"address":"10.0.0.5","holder":"x/new",
                                "losers":["x/old"]}]})");
  EXPECT_THAT(text, HasSubstr("    warning: container 0123456789ab is no "
                              "endpoint: x\n"));
  EXPECT_THAT(
      text, HasSubstr("NOT ENFORCING FULLY:\n  br_netfilter is not loaded\n"));
  EXPECT_THAT(text, HasSubstr("  10.0.0.5 held by x/new\n"));
  EXPECT_THAT(text, HasSubstr("flow log file: 7 lines lost (open /x/flows: "
                              "No such file)\n"));
}

TEST(StatusCommandTest, NoDaemon_ExitsOneWithAHint) {
  std::ostringstream out, err;
  EXPECT_EQ(RunStatus({"/nonexistent/podwall.sock", false}, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("is podwalld running?"));
}

}  // namespace
}  // namespace podwall::cli
