// NetlinkConntrackTable against the kernel, in a private network namespace
// whose conntrack table holds entries made with conntrack(8): lookups by
// each end (the NAT'ed server by its real address), both families, and
// removal.

#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "enforcer/conntrack/conntrack_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace podwall::conntrack {
namespace {

using schema::IpAddress;

void Insert(const std::string& args) {
  const std::string cmd =
      "conntrack -I -t 300 -u ASSURED " + args + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

std::set<std::string> Found(ConntrackTable& table, const char* address) {
  std::set<std::string> out;
  absl::Status st = table.ForEachOf(
      {*IpAddress::Parse(address)}, [&](const TrackedConnection& c) {
        out.insert(c.orig.src.ToString() + ">" + c.orig.dst.ToString() + ":" +
                   std::to_string(c.orig.dport) + " via " +
                   c.reply.src.ToString() + ":" +
                   std::to_string(c.reply.sport));
      });
  EXPECT_TRUE(st.ok()) << st;
  return out;
}

class ConntrackTableKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Every test shares the process's namespace: start from an empty table.
    ASSERT_EQ(std::system("conntrack -F >/dev/null 2>&1"), 0);
    // A client's connection, one NAT'ed to a real server (as a Service
    // address is), and one over IPv6.
    Insert(
        "-p tcp -s 10.1.0.1 -d 10.1.0.2 --sport 1000 --dport 80 --state "
        "ESTABLISHED");
    Insert(
        "-p tcp -s 10.1.0.1 -d 10.96.0.10 --sport 1001 --dport 443 --state "
        "ESTABLISHED -r 10.1.0.9 -q 10.1.0.1 --reply-port-src 8443 "
        "--reply-port-dst 1001");
    Insert("-p udp -s fd00::1 -d fd00::2 --sport 5353 --dport 53");
    auto t = NetlinkConntrackTable::Create();
    ASSERT_TRUE(t.ok()) << t.status();
    table_ = *std::move(t);
  }
  std::unique_ptr<NetlinkConntrackTable> table_;
};

TEST_F(ConntrackTableKernelTest, ForEachOf_FindsEveryEndAndOnlyThose) {
  EXPECT_THAT(Found(*table_, "10.1.0.1"),
              ::testing::UnorderedElementsAre(
                  "10.1.0.1>10.1.0.2:80 via 10.1.0.2:80",
                  "10.1.0.1>10.96.0.10:443 via 10.1.0.9:8443"));
  EXPECT_THAT(Found(*table_, "10.1.0.2"),
              ::testing::ElementsAre("10.1.0.1>10.1.0.2:80 via 10.1.0.2:80"));
  // The real server behind the NAT'ed address, by the reply's source.
  EXPECT_THAT(
      Found(*table_, "10.1.0.9"),
      ::testing::ElementsAre("10.1.0.1>10.96.0.10:443 via 10.1.0.9:8443"));
  EXPECT_THAT(Found(*table_, "fd00::2"),
              ::testing::ElementsAre("fd00::1>fd00::2:53 via fd00::2:53"));
  EXPECT_TRUE(Found(*table_, "10.1.0.3").empty());
  EXPECT_THAT(Found(*table_, "fd00::3"), ::testing::IsEmpty());
}

// Beyond a few addresses, one unfiltered dump: the same answer.
TEST_F(ConntrackTableKernelTest, ForEachOf_ManyAddresses_OneDumpSameAnswer) {
  std::set<IpAddress> many;
  for (const char* a : {"10.1.0.2", "10.1.0.9", "fd00::2", "10.7.0.1",
                        "10.7.0.2", "10.7.0.3"}) {
    many.insert(*IpAddress::Parse(a));
  }
  ASSERT_GT(many.size(), NetlinkConntrackTable::kFilteredAddresses);
  std::set<uint16_t> ports;
  ASSERT_TRUE(table_
                  ->ForEachOf(many,
                              [&](const TrackedConnection& c) {
                                ports.insert(c.reply.sport);
                              })
                  .ok());
  EXPECT_THAT(ports, ::testing::ElementsAre(53, 80, 8443));
}

TEST_F(ConntrackTableKernelTest, Remove_TakesOutExactlyThatEntry) {
  TrackedConnection nat;
  ASSERT_TRUE(table_
                  ->ForEachOf({*IpAddress::Parse("10.1.0.9")},
                              [&](const TrackedConnection& c) { nat = c; })
                  .ok());
  ASSERT_NE(nat.id, 0u);
  EXPECT_TRUE(table_->Remove(nat).ok());
  EXPECT_THAT(Found(*table_, "10.1.0.1"),
              ::testing::ElementsAre("10.1.0.1>10.1.0.2:80 via 10.1.0.2:80"));
  EXPECT_TRUE(absl::IsNotFound(table_->Remove(nat)));
}

// A TCP entry in TIME_WAIT is reported ended; an established one is not.
TEST_F(ConntrackTableKernelTest, ForEachOf_SaysWhichTcpEntriesAreOver) {
  Insert(
      "-p tcp -s 10.1.0.5 -d 10.1.0.6 --sport 1002 --dport 80 --state "
      "TIME_WAIT");
  std::map<uint16_t, bool> ended;
  ASSERT_TRUE(table_
                  ->ForEachOf({*IpAddress::Parse("10.1.0.5"),
                               *IpAddress::Parse("10.1.0.1")},
                              [&](const TrackedConnection& c) {
                                ended[c.orig.sport] = c.ended;
                              })
                  .ok());
  EXPECT_EQ(ended, (std::map<uint16_t, bool>{
                       {1000, false}, {1001, false}, {1002, true}}));
}

}  // namespace
}  // namespace podwall::conntrack
