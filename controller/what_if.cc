#include "controller/what_if.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy-schema/json_writer.h"

namespace podwall::controller {
namespace {

std::string ClusterRuleName(const ClusterRuleRef& r) {
  return absl::StrCat("ClusterNetworkPolicy ", r.policy, " (", r.tier, ")");
}

// Who decides a side's verdict.
std::string Decider(const SideVerdict& s, const std::string& pod,
                    const std::set<std::string>& proposal) {
  if (s.decided_by == "Admin" && s.admin) return ClusterRuleName(*s.admin);
  if (s.decided_by == "Baseline" && s.baseline) {
    return ClusterRuleName(*s.baseline);
  }
  if (s.isolated && !s.allowed) {
    std::vector<std::string> names;
    for (const std::string& p : s.policies) {
      if (proposal.contains(p)) names.push_back(p);
    }
    if (names.empty()) names = s.policies;
    return "NetworkPolicy " + absl::StrJoin(names, ", ");
  }
  if (s.isolated && !s.allowed_by.empty()) {
    return "NetworkPolicy " + s.allowed_by.front().policy;
  }
  return "no policy isolates " + pod;
}

std::string Responsible(const Verdict& v, const RecordedConnection& c,
                        bool now_allowed,
                        const std::set<std::string>& proposal) {
  // A denial: the side that denies (egress first, as packets meet it).
  // An allowance: the side that denied before and allows now.
  if (!now_allowed) {
    if (v.egress.applies && !v.egress.allowed) {
      return Decider(v.egress,
                     c.src_pod.empty() ? c.src_ip.ToString() : c.src_pod,
                     proposal);
    }
    return Decider(v.ingress,
                   c.dst_pod.empty() ? c.dst_ip.ToString() : c.dst_pod,
                   proposal);
  }
  return Decider(v.ingress.applies && v.ingress.isolated ? v.ingress : v.egress,
                 c.dst_pod.empty() ? c.dst_ip.ToString() : c.dst_pod, proposal);
}

void WriteChange(schema::JsonWriter& w, const VerdictChange& ch) {
  const RecordedConnection& c = ch.connection;
  w.BeginObject().Key("connection").String(c.Name());
  w.Key("src").BeginObject().Key("ip").String(c.src_ip.ToString());
  if (!c.src_pod.empty()) w.Key("pod").String(c.src_pod);
  w.EndObject().Key("dst").BeginObject().Key("ip").String(c.dst_ip.ToString());
  if (!c.dst_pod.empty()) w.Key("pod").String(c.dst_pod);
  w.EndObject();
  w.Key("proto").String(ir::ProtocolName(c.protocol)).Key("port").Int(c.port);
  w.Key("recorded").String(c.verdict).Key("count").Uint(c.count);
  w.Key("lastSeen").String(c.last_seen);
  w.Key("policy").String(ch.responsible);
  w.EndObject();
}

// Changes grouped by the responsible policy, in name order.
std::string Grouped(const std::vector<VerdictChange>& changes) {
  std::map<std::string, std::vector<const VerdictChange*>> by;
  for (const VerdictChange& c : changes) by[c.responsible].push_back(&c);
  std::string out;
  for (const auto& [policy, list] : by) {
    uint64_t count = 0;
    for (const VerdictChange* c : list) count += c->connection.count;
    absl::StrAppend(&out, "  ", policy, ": ", list.size(), " connection(s), ",
                    count, " recorded\n");
    for (const VerdictChange* c : list) {
      absl::StrAppend(&out, "    ", c->connection.Name(), "   seen ",
                      c->connection.count, "x, last ", c->connection.last_seen,
                      "\n");
    }
  }
  return out;
}

}  // namespace

std::string RecordedConnection::Name() const {
  return absl::StrCat(src_pod.empty() ? src_ip.ToString() : src_pod, " -> ",
                      dst_pod.empty() ? dst_ip.ToString() : dst_pod, " ", port,
                      "/", ir::ProtocolName(protocol));
}

ConnectionEnd ResolveEnd(const ClusterState& state, const std::string& pod,
                         const schema::IpAddress& ip) {
  if (!pod.empty()) {
    if (const Workload* w = state.FindWorkload(pod); w && w->eligible) {
      if (std::find(w->addresses.begin(), w->addresses.end(), ip) !=
          w->addresses.end()) {
        return {w, ip};
      }
      for (const schema::IpAddress& a : w->addresses) {
        if (a.family == ip.family) return {w, a};
      }
    }
  }
  return {state.FindWorkloadByAddress(ip), ip};
}

WhatIfResult ReplayConnections(const ClusterState& now,
                               const ClusterState& proposed,
                               const std::vector<RecordedConnection>& seen,
                               const std::set<std::string>& proposal) {
  WhatIfResult r;
  for (const RecordedConnection& c : seen) {
    ++r.replayed;
    const Verdict before =
        Evaluate(now, ResolveEnd(now, c.src_pod, c.src_ip),
                 ResolveEnd(now, c.dst_pod, c.dst_ip), c.protocol, c.port);
    const Verdict after =
        Evaluate(proposed, ResolveEnd(proposed, c.src_pod, c.src_ip),
                 ResolveEnd(proposed, c.dst_pod, c.dst_ip), c.protocol, c.port);
    if (before.allowed == after.allowed) continue;
    VerdictChange ch{c, Responsible(after, c, after.allowed, proposal), after};
    (after.allowed ? r.allows : r.breaks).push_back(std::move(ch));
  }
  return r;
}

std::string WhatIfToText(const WhatIfResult& r) {
  std::string out =
      absl::StrCat(r.replayed, " recorded connection(s) replayed\n");
  if (r.breaks.empty() && r.allows.empty()) {
    return out + "no verdict changes\n";
  }
  if (!r.breaks.empty()) {
    absl::StrAppend(&out,
                    "\nWOULD BREAK (allowed now, denied with the proposal): ",
                    r.breaks.size(), "\n", Grouped(r.breaks));
  }
  if (!r.allows.empty()) {
    absl::StrAppend(&out,
                    "\nNEWLY ALLOWED (denied now, allowed with the proposal): ",
                    r.allows.size(), "\n", Grouped(r.allows));
  }
  return out;
}

std::string WhatIfToJson(const WhatIfResult& r) {
  schema::JsonWriter w;
  w.BeginObject().Key("replayed").Uint(r.replayed);
  w.Key("breaks").BeginArray();
  for (const VerdictChange& c : r.breaks) WriteChange(w, c);
  w.EndArray().Key("allows").BeginArray();
  for (const VerdictChange& c : r.allows) WriteChange(w, c);
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace podwall::controller
