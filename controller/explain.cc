#include "controller/explain.h"

#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy-schema/json_writer.h"

namespace podwall::controller {
namespace {

using schema::IpAddress;
using schema::IpFamily;

struct Named {
  const Workload* workload = nullptr;
  std::optional<IpAddress> address;  // Set for a bare address.
  std::string name;
};

absl::StatusOr<Named> ResolveEnd(const ClusterState& state,
                                 const std::string& text, const char* flag) {
  Named n;
  n.name = text;
  if (auto ip = IpAddress::Parse(text)) {
    n.address = *ip;
    n.workload = state.FindWorkloadByAddress(*ip);
    if (n.workload) n.name = n.workload->key;
    return n;
  }
  if (text.find('/') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, " ", text, ": want NAMESPACE/POD or an IP address"));
  }
  n.workload = state.FindWorkload(text);
  if (!n.workload) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", text, ": no such pod in the manifests"));
  }
  if (n.workload->addresses.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", text, ": pod has no IP address"));
  }
  return n;
}

std::optional<IpAddress> AddressIn(const Named& n, IpFamily family) {
  if (n.address) {
    return n.address->family == family ? n.address : std::nullopt;
  }
  for (const IpAddress& a : n.workload->addresses) {
    if (a.family == family) return a;
  }
  return std::nullopt;
}

absl::Status ParsePort(const std::string& text, ir::Protocol* protocol,
                       uint16_t* port) {
  std::string number = text;
  *protocol = ir::Protocol::kTCP;
  if (auto slash = text.find('/'); slash != std::string::npos) {
    number = text.substr(0, slash);
    auto p = ir::ParseProtocol(absl::AsciiStrToUpper(text.substr(slash + 1)));
    if (!p) {
      return absl::InvalidArgumentError(
          absl::StrCat("--port ", text, ": protocol must be tcp, udp or sctp"));
    }
    *protocol = *p;
  }
  int value = 0;
  auto [end, ec] =
      std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size() || value < 1 ||
      value > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--port ", text, ": port must be 1-65535"));
  }
  *port = static_cast<uint16_t>(value);
  return absl::OkStatus();
}

std::string RuleName(const RuleRef& r) {
  return absl::StrCat(r.policy, " ", ir::DirectionName(r.direction), "[",
                      r.index, "]");
}

std::string ClusterRuleText(const ClusterRuleRef& r) {
  std::string out = absl::StrCat(
      "ClusterNetworkPolicy ", r.policy, " (", r.tier, ", priority ",
      r.priority, ") ", ir::DirectionName(r.direction), "[", r.index, "]");
  if (!r.rule_name.empty()) absl::StrAppend(&out, " \"", r.rule_name, "\"");
  return absl::StrCat(out, ": ", r.action);
}

void WriteClusterRule(schema::JsonWriter& w, const char* key,
                      const std::optional<ClusterRuleRef>& r) {
  if (!r) return;
  w.Key(key).BeginObject().Key("kind").String("ClusterNetworkPolicy");
  w.Key("name").String(r->policy).Key("tier").String(r->tier);
  w.Key("priority").Int(r->priority);
  w.Key("rule").String(
      absl::StrCat(ir::DirectionName(r->direction), "[", r->index, "]"));
  w.Key("ruleName").String(r->rule_name).Key("action").String(r->action);
  w.EndObject();
}

void WriteSide(schema::JsonWriter& w, const SideVerdict& s) {
  w.BeginObject().Key("applies").Bool(s.applies);
  w.Key("isolated").Bool(s.isolated);
  w.Key("allowed").Bool(s.allowed);
  // The tier walk: the first matching rule of each tier consulted, and
  // which tier decided ("" when none did: allowed by default).
  WriteClusterRule(w, "admin", s.admin);
  WriteClusterRule(w, "baseline", s.baseline);
  w.Key("decidedBy").String(s.decided_by);
  w.Key("policies").BeginArray();
  for (const auto& p : s.policies) w.String(p);
  w.EndArray().Key("allowedBy").BeginArray();
  for (const RuleRef& r : s.allowed_by) {
    const auto slash = r.policy.find('/');
    w.BeginObject().Key("kind").String("NetworkPolicy");
    w.Key("namespace").String(r.policy.substr(0, slash));
    w.Key("name").String(r.policy.substr(slash + 1));
    w.Key("rule").String(
        absl::StrCat(ir::DirectionName(r.direction), "[", r.index, "]"));
    w.EndObject();
  }
  w.EndArray().EndObject();
}

void WriteEnd(schema::JsonWriter& w, const std::string& name,
              const ConnectionEnd& e) {
  w.BeginObject().Key("ip").String(e.address.ToString());
  if (e.workload) {
    w.Key("namespace").String(e.workload->namespace_);
    w.Key("pod").String(e.workload->name);
  } else {
    w.Key("namespace").Null().Key("name").String(name);
  }
  w.EndObject();
}

std::string SideText(const char* label, const std::string& who,
                     const SideVerdict& s) {
  std::string out = absl::StrCat(label, " at ", who, ": ");
  if (!s.applies) {
    return out + "not a pod policy can select; nothing enforced (allow)\n";
  }
  const char* verdict = s.allowed ? "ALLOW" : "DENY";
  // The tiers consulted, in order.
  std::string admin;
  if (s.admin) {
    admin = absl::StrCat("  admin tier:  ", ClusterRuleText(*s.admin),
                         s.admin->action == "Pass"
                             ? " (rest of the Admin tier skipped)"
                             : " (decides; nothing after it consulted)",
                         "\n");
  }
  if (s.decided_by == "Admin") return absl::StrCat(out, verdict, "\n", admin);
  if (!s.isolated) {
    if (!s.admin && !s.baseline) {
      return out + "no policy isolates it for " +
             (std::string(label) == "egress" ? "egress" : "ingress") +
             " (allow)\n";
    }
    std::string baseline = "  baseline:    no rule matches (allow)\n";
    if (s.baseline) {
      baseline =
          absl::StrCat("  baseline:    ", ClusterRuleText(*s.baseline),
                       s.baseline->action == "Pass" ? " (allow)" : "", "\n");
    }
    return absl::StrCat(out, verdict, "\n", admin,
                        "  NetworkPolicy: none selects it\n", baseline);
  }
  absl::StrAppend(&out, verdict, "\n", admin,
                  "  isolated by: ", absl::StrJoin(s.policies, ", "),
                  "\n  allowed by:  ");
  if (s.allowed_by.empty()) {
    return out + "no rule matches (the implicit deny is final)\n";
  }
  std::vector<std::string> rules;
  for (const RuleRef& r : s.allowed_by) rules.push_back(RuleName(r));
  return out + absl::StrJoin(rules, ", ") + "\n";
}

}  // namespace

absl::StatusOr<Explanation> Explain(const ClusterState& state,
                                    const ExplainRequest& request) {
  Explanation e;
  absl::Status port = ParsePort(request.port, &e.protocol, &e.port);
  if (!port.ok()) return port;
  absl::StatusOr<Named> from = ResolveEnd(state, request.from, "from");
  if (!from.ok()) return from.status();
  absl::StatusOr<Named> to = ResolveEnd(state, request.to, "to");
  if (!to.ok()) return to.status();
  std::vector<IpFamily> families;
  if (request.family) {
    families = {*request.family};
  } else {
    families = {IpFamily::kV4, IpFamily::kV6};
  }
  for (IpFamily family : families) {
    auto a = AddressIn(*from, family);
    auto b = AddressIn(*to, family);
    if (a && b) {
      e.src = {from->workload, *a};
      e.dst = {to->workload, *b};
      e.src_name = from->name;
      e.dst_name = to->name;
      e.verdict = Evaluate(state, e.src, e.dst, e.protocol, e.port);
      return e;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(request.from, " and ", request.to,
                   " have no addresses in a common IP family",
                   request.family ? " (as requested by --family)" : ""));
}

std::string ExplanationToJson(const Explanation& e) {
  schema::JsonWriter w;
  w.BeginObject().Key("verdict").String(e.verdict.allowed ? "allow" : "deny");
  w.Key("proto").String(ir::ProtocolName(e.protocol));
  w.Key("port").Int(e.port);
  w.Key("family").Int(e.src.address.family == schema::IpFamily::kV4 ? 4 : 6);
  w.Key("src");
  WriteEnd(w, e.src_name, e.src);
  w.Key("dst");
  WriteEnd(w, e.dst_name, e.dst);
  w.Key("egress");
  WriteSide(w, e.verdict.egress);
  w.Key("ingress");
  WriteSide(w, e.verdict.ingress);
  w.EndObject();
  return w.Take();
}

std::string ExplanationToTable(const Explanation& e) {
  std::string out =
      absl::StrCat(e.verdict.allowed ? "ALLOW" : "DENY", "  ", e.src_name, " (",
                   e.src.address.ToString(), ") -> ", e.dst_name, " (",
                   e.dst.address.ToString(), ") ", e.port, "/",
                   ir::ProtocolName(e.protocol), "\n\n");
  out += SideText("egress", e.src_name, e.verdict.egress);
  out += SideText("ingress", e.dst_name, e.verdict.ingress);
  return out;
}

}  // namespace podwall::controller
