// Flow-record lines to the distinct connections what-if and suggest replay;
// what-if refusing a bad proposal.

#include "enforcer/cli/replay_commands.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::cli {
namespace {

constexpr char kLines[] =
    R"({"time":"2026-12-07T10:00:00.000000Z","node":"n","verdict":"allow","direction":"ingress","proto":"TCP","family":4,"src":{"ip":"10.0.0.2","port":41000,"namespace":"x","pod":"b","labels":{}},"dst":{"ip":"10.0.0.1","port":80,"namespace":"x","pod":"a","labels":{}},"state":"closed","packets":4,"bytes":300,"duration_ms":3,"count":1}
{"time":"2026-12-07T10:05:00.000000Z","node":"n","verdict":"deny","direction":"ingress","proto":"TCP","family":4,"src":{"ip":"10.0.0.2","port":41001,"namespace":"x","pod":"b","labels":{}},"dst":{"ip":"10.0.0.1","port":80,"namespace":"x","pod":"a","labels":{}},"state":"denied","packets":1,"bytes":60,"duration_ms":0,"count":2}
{"time":"2026-12-07T10:01:00.000000Z","node":"n","verdict":"allow","direction":"egress","proto":"ICMP","family":4,"src":{"ip":"10.0.0.2","port":0,"namespace":"x","pod":"b","labels":{}},"dst":{"ip":"10.0.0.1","port":0,"namespace":"x","pod":"a","labels":{}},"state":"new","packets":1,"bytes":60,"duration_ms":0,"count":1}
{"time":"2026-12-07T10:02:00.000000Z","node":"n","verdict":"allow","direction":"egress","proto":"UDP","family":4,"src":{"ip":"10.0.0.2","port":5353,"namespace":"x","pod":"b","labels":{}},"dst":{"ip":"198.51.100.7","port":53,"kind":"external"},"state":"new","packets":1,"bytes":60,"duration_ms":0,"count":1}
not json
)";

TEST(DistinctConnectionsTest, OnePerEndsProtocolAndPort_NewestVerdict) {
  Distinct d = DistinctConnections(kLines, std::nullopt);
  EXPECT_EQ(d.malformed, 1u);
  ASSERT_EQ(d.connections.size(), 2u);  // ICMP has no port.
  // Ordered by ends: the address sorts before the pod.
  const auto& web = d.connections[1];
  EXPECT_EQ(web.Name(), "x/b -> x/a 80/TCP");
  EXPECT_EQ(web.count, 3u);
  EXPECT_EQ(web.verdict, "deny");
  EXPECT_TRUE(web.was_allowed);  // An earlier record allowed it.
  EXPECT_EQ(web.last_seen, "2026-12-07T10:05:00.000000Z");
  const auto& dns = d.connections[0];
  EXPECT_EQ(dns.Name(), "x/b -> 198.51.100.7 53/UDP");
  EXPECT_EQ(dns.dst_kind, "external");
}

TEST(DistinctConnectionsTest, Since_SkipsOlderRecords) {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 11;
  tm.tm_mday = 7;
  tm.tm_hour = 10;
  tm.tm_min = 3;
  const auto since = std::chrono::system_clock::from_time_t(timegm(&tm));
  Distinct d = DistinctConnections(kLines, since);
  ASSERT_EQ(d.connections.size(), 1u);
  EXPECT_EQ(d.connections[0].count, 2u);
}

// A proposal that the API server would refuse: exit 2, naming the file,
// line and field, before anything else is asked.
TEST(WhatIfCommandTest, InvalidProposal_FileLineFieldAndExit2) {
  const std::string path =
      ::testing::TempDir() + "/replay_commands_test_bad.yaml";
  {
    std::ofstream f(path);
    f << "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
         "metadata: {name: bad, namespace: x}\nspec:\n"
         "  podSelector: {}\n  ingress:\n  - ports:\n"
         "    - {port: 80, endPort: 20}\n";
  }
  WhatIfOptions o;
  o.proposed = {path};
  o.inputs.socket_path = "/nonexistent/podwall.sock";
  std::ostringstream out, err;
  EXPECT_EQ(RunWhatIf(o, out, err), 2);
  EXPECT_THAT(err.str(), ::testing::HasSubstr(
                             path + ":8: spec.ingress[0].ports[0].endPort"));
}

}  // namespace
}  // namespace podwall::cli
