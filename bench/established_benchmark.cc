// What the established-connection check costs after a one-pod change, as
// the conntrack table grows: `sudo build/bench/established_benchmark`.
//
// In a private network namespace, the table is filled with N unrelated
// connections (UDP, inserted over ctnetlink) and 100 connections to the
// changed pod that its policy denies. Each round times
// EstablishedCutter::Cut for that one endpoint, the work podwalld does
// after such a sync: three dumps the kernel filters by the pod's address,
// the judging, and 100 removals. Prints a table, then one JSON line
// (established_recheck_ms_10k, _100k, _200k: medians of 5 rounds).

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/cluster_state.h"
#include "controller/compiler.h"
#include "enforcer/conntrack/conntrack_table.h"
#include "enforcer/conntrack/ctnetlink.h"
#include "enforcer/conntrack/established_cutter.h"
#include "policy-schema/defaults.h"

namespace podwall::bench {
namespace {

using schema::IpAddress;

IpAddress V4(uint32_t host_order) {
  IpAddress a;
  a.family = schema::IpFamily::kV4;
  const uint32_t be = htonl(host_order);
  std::memcpy(a.bytes.data(), &be, 4);
  return a;
}

// Inserts UDP connections over ctnetlink, many messages per datagram.
class Inserter {
 public:
  Inserter() {
    nl_ = mnl_socket_open(NETLINK_NETFILTER);
    mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID);
  }
  ~Inserter() { mnl_socket_close(nl_); }

  void Add(const IpAddress& client, const IpAddress& server, uint16_t sport,
           uint16_t dport) {
    if (buf_.size() - used_ < 512) Flush();
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf_.data() + used_);
    nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE;
    nlh->nlmsg_seq = ++seq_;
    auto* nfg = static_cast<nfgenmsg*>(
        mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = AF_INET;
    nfg->version = NFNETLINK_V0;
    conntrack::PutCtTuple(nlh, CTA_TUPLE_ORIG,
                          {client, server, IPPROTO_UDP, sport, dport});
    conntrack::PutCtTuple(nlh, CTA_TUPLE_REPLY,
                          {server, client, IPPROTO_UDP, dport, sport});
    mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(600));
    used_ += nlh->nlmsg_len;
  }

  void Flush() {
    if (used_ == 0) return;
    mnl_socket_sendto(nl_, buf_.data(), used_);
    used_ = 0;
  }

 private:
  mnl_socket* nl_ = nullptr;
  std::vector<char> buf_ = std::vector<char>(1 << 16);
  std::size_t used_ = 0;
  uint32_t seq_ = 0;
};

int Main() {
  if (unshare(CLONE_NEWNET) != 0) {
    std::perror("unshare(CLONE_NEWNET) (run as root)");
    return 1;
  }
  // One local endpoint, x/a, whose policy accepts only x/b.
  controller::ClusterState state;
  for (auto [name, ip] : {std::pair{"a", "10.100.0.1"}, {"b", "10.100.0.2"}}) {
    schema::Pod p;
    p.metadata.name = name;
    p.metadata.namespace_ = "x";
    p.metadata.labels = {{"pod", name}};
    p.spec.node_name = "n1";
    p.status.phase = "Running";
    p.status.pod_ip = ip;
    state.UpsertWorkload(controller::WorkloadFromPod(p));
  }
  schema::NetworkPolicy np;
  np.metadata.name = "a-in";
  np.metadata.namespace_ = "x";
  np.spec.pod_selector.match_labels = {{"pod", "a"}};
  np.spec.ingress.emplace_back().from.push_back(
      {schema::LabelSelector{{{"pod", "b"}}, {}}, std::nullopt, std::nullopt});
  schema::ApplyDefaults(np);
  state.UpsertPolicy(np);
  controller::Compiler compiler("n1");
  compiler.Rebuild(state);
  const ir::NodePolicy policy = compiler.Snapshot();

  auto table = conntrack::NetlinkConntrackTable::Create();
  if (!table.ok()) {
    std::fprintf(stderr, "%s\n", std::string(table.status().message()).c_str());
    return 1;
  }
  conntrack::EstablishedCutter cutter(**table,
                                      [] { return std::set<IpAddress>{}; });
  const IpAddress pod = V4(0x0a640001);  // 10.100.0.1
  constexpr int kDenied = 100;
  std::printf("%-12s %12s %10s %10s\n", "table", "recheck ms", "examined",
              "cut");
  std::string json = "{";
  uint32_t filled = 0;
  Inserter insert;
  for (const int n : {10000, 100000, 200000}) {
    // Unrelated connections: 10.1.0.0/16 clients to 10.200.0.0/16 servers.
    for (; filled < static_cast<uint32_t>(n); ++filled) {
      insert.Add(V4(0x0a010000 + (filled & 0xffff)),
                 V4(0x0ac80000 + ((filled >> 16) & 0xffff)),
                 static_cast<uint16_t>(1024 + (filled % 60000)), 53);
    }
    insert.Flush();
    std::vector<double> ms;
    std::size_t examined = 0;
    std::size_t cut = 0;
    for (int round = 0; round < 5; ++round) {
      for (int i = 0; i < kDenied; ++i) {
        insert.Add(V4(0x0a320000 + static_cast<uint32_t>(i)), pod,
                   static_cast<uint16_t>(2000 + i), 80);
      }
      insert.Flush();
      const auto t0 = std::chrono::steady_clock::now();
      const conntrack::CutReport r = cutter.Cut(policy, {"x/a"});
      ms.push_back(std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - t0)
                       .count());
      examined = r.examined;
      cut = r.cut.size();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%-12d %12.2f %10zu %10zu\n", n, ms[ms.size() / 2], examined,
                cut);
    absl::StrAppend(&json, json.size() > 1 ? "," : "",
                    "\"established_recheck_ms_", n / 1000,
                    "k\":", ms[ms.size() / 2]);
  }
  std::printf("%s}\n", json.c_str());
  return 0;
}

}  // namespace
}  // namespace podwall::bench

int main() { return podwall::bench::Main(); }
