#include "enforcer/nft/nft_text.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "enforcer/nft/guard_statements.h"

namespace podwall::nft {
namespace {

const char* KeyTypeText(KeyType k) {
  switch (k) {
    case KeyType::kIpv4:
      return "ipv4_addr";
    case KeyType::kIpv6:
      return "ipv6_addr";
    case KeyType::kIpv4ProtoPort:
      return "ipv4_addr . inet_proto . inet_service";
    case KeyType::kIpv6ProtoPort:
      return "ipv6_addr . inet_proto . inet_service";
  }
  return "ipv4_addr";
}

std::string ProtoText(ir::Protocol p) {
  switch (p) {
    case ir::Protocol::kTCP:
      return "tcp";
    case ir::Protocol::kUDP:
      return "udp";
    case ir::Protocol::kSCTP:
      return "sctp";
  }
  return "tcp";
}

std::string ElementText(const Set& set, const SetElement& e) {
  std::string out = e.address.ToString();
  if (set.interval && e.address_end != e.address) {
    absl::StrAppend(&out, "-", e.address_end.ToString());
  }
  if (set.key == KeyType::kIpv4ProtoPort ||
      set.key == KeyType::kIpv6ProtoPort) {
    absl::StrAppend(&out, " . ", ProtoText(e.protocol), " . ", e.port);
  }
  if (set.verdict_map) absl::StrAppend(&out, " : jump ", e.jump_chain);
  return out;
}

std::string AddressText(const Rule& r) {
  return absl::StrCat(r.family == schema::IpFamily::kV4 ? "ip " : "ip6 ",
                      r.field == AddressField::kSource ? "saddr" : "daddr");
}

std::string LogText(const LogAction& l) {
  return absl::StrCat("limit rate ", l.rate_per_second, "/second burst ",
                      l.rate_per_second, " packets counter log prefix \"",
                      l.prefix, "\" group ", l.group);
}

}  // namespace

std::string RuleText(const Rule& r) {
  switch (r.kind) {
    case Rule::Kind::kCtEstablishedAccept:
      return "ct state established,related accept";
    case Rule::Kind::kCtInvalidDrop:
      return "ct state invalid drop";
    case Rule::Kind::kNeighborDiscoveryAccept:
      return "icmpv6 type 135-136 accept";
    case Rule::Kind::kVmap:
      return absl::StrCat(AddressText(r), " vmap @", r.set);
    case Rule::Kind::kMatch:
      break;
  }
  std::vector<std::string> parts;
  if (!r.set.empty()) {
    if (r.tuple) {
      parts.push_back(
          absl::StrCat(AddressText(r), " . meta l4proto . th dport @", r.set));
    } else {
      parts.push_back(absl::StrCat(AddressText(r), " @", r.set));
    }
    if (!r.unless_set.empty()) {
      parts.push_back(absl::StrCat(AddressText(r), " != @", r.unless_set));
    }
  }
  if (r.protocol) parts.push_back("meta l4proto " + ProtoText(*r.protocol));
  if (r.dport) {
    parts.push_back(
        r.dport->first == r.dport->second
            ? absl::StrCat("th dport ", r.dport->first)
            : absl::StrCat("th dport ", r.dport->first, "-", r.dport->second));
  }
  if (r.ct_mark_unset) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "ct mark & 0x%08x == 0x00000000",
                  *r.ct_mark_unset);
    parts.push_back(buf);
  }
  if (r.set_ct_mark) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "ct mark set ct mark & 0x%08x | 0x%08x",
                  r.set_ct_mark->first, r.set_ct_mark->second);
    parts.push_back(buf);
  }
  if (r.counter) parts.push_back("counter");
  if (r.log) parts.push_back(LogText(*r.log));
  if (r.verdict == Verdict::kGoto) {
    parts.push_back("goto " + r.goto_chain);
  } else if (r.verdict != Verdict::kContinue) {
    parts.push_back(r.verdict == Verdict::kAccept ? "accept"
                    : r.verdict == Verdict::kDrop ? "drop"
                                                  : "return");
  }
  if (!r.comment.empty()) parts.push_back("comment \"" + r.comment + "\"");
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

namespace {

// The map of guards after tc (ruleset.h, SpoofGuard).
std::string GuardMapText(const std::vector<SpoofGuard>& guards) {
  std::string out =
      "\t# each guarded device's frames after tc: its guard\n"
      "\tmap guard_devices {\n\t\ttype ifname : verdict\n\t\telements = { ";
  for (std::size_t i = 0; i < guards.size(); ++i) {
    if (i > 0) out += ",\n\t\t\t     ";
    absl::StrAppend(&out, "\"", guards[i].device, "\" : jump ",
                    kGuardChainPrefix, guards[i].device);
  }
  return out + " }\n\t}\n";
}

// Chain prerouting and the guards' chains after tc, in table inet (only
// their IP rules) or bridge.
std::string GuardsAfterTcText(const std::vector<SpoofGuard>& guards,
                              bool ip_only) {
  std::string out =
      "\tchain prerouting {\n"
      "\t\ttype filter hook prerouting priority -500; policy accept;\n"
      "\t\tiifname vmap @guard_devices\n\t}\n";
  for (const SpoofGuard& g : guards) {
    absl::StrAppend(&out, "\t# anti-spoofing for ", g.endpoint,
                    " after tc\n\tchain ", kGuardChainPrefix, g.device, " {\n");
    for (const GuardStatement& s :
         ip_only ? IpGuardStatements(g) : GuardStatements(g)) {
      absl::StrAppend(&out, "\t\t", GuardStatementText(s), "\n");
    }
    out += "\t}\n";
  }
  return out;
}

}  // namespace

std::string ToNftText(const Ruleset& ruleset) {
  std::string out =
      "# podwall ruleset: replaces podwall's tables in one transaction.\n"
      "table inet podwall\n"
      "delete table inet podwall\n"
      "table inet podwall {\n";
  for (const Set& s : ruleset.sets) {
    if (!s.comment.empty()) absl::StrAppend(&out, "\t# ", s.comment, "\n");
    absl::StrAppend(&out, "\t", s.verdict_map ? "map " : "set ", s.name,
                    " {\n\t\ttype ", KeyTypeText(s.key),
                    s.verdict_map ? " : verdict" : "", "\n");
    if (s.interval) out += "\t\tflags interval\n";
    if (!s.elements.empty()) {
      out += "\t\telements = { ";
      for (std::size_t i = 0; i < s.elements.size(); ++i) {
        if (i > 0) out += ",\n\t\t\t     ";
        out += ElementText(s, s.elements[i]);
      }
      out += " }\n";
    }
    out += "\t}\n";
  }
  if (!ruleset.guards.empty()) out += GuardMapText(ruleset.guards);
  for (const Chain& c : ruleset.chains) {
    if (!c.comment.empty()) absl::StrAppend(&out, "\t# ", c.comment, "\n");
    absl::StrAppend(&out, "\tchain ", c.name, " {\n");
    if (c.base_forward) {
      out += "\t\ttype filter hook forward priority filter; policy accept;\n";
    }
    for (const Rule& r : c.rules)
      absl::StrAppend(&out, "\t\t", RuleText(r), "\n");
    out += "\t}\n";
  }
  if (!ruleset.guards.empty()) {
    out += GuardsAfterTcText(ruleset.guards, /*ip_only=*/true);
  }
  out += "}\n";
  out +=
      "table bridge podwall\n"
      "delete table bridge podwall\n";
  if (!ruleset.guards.empty()) {
    out += "table bridge podwall {\n" + GuardMapText(ruleset.guards) +
           GuardsAfterTcText(ruleset.guards, /*ip_only=*/false) + "}\n";
  }
  out +=
      "table netdev podwall\n"
      "delete table netdev podwall\n";
  if (ruleset.guards.empty()) return out;
  out += "table netdev podwall {\n";
  for (const SpoofGuard& g : ruleset.guards) {
    absl::StrAppend(&out, "\t# anti-spoofing for ", g.endpoint, "\n\tchain ",
                    kGuardChainPrefix, g.device,
                    " {\n\t\ttype filter hook ingress device \"", g.device,
                    "\" priority -500; policy accept;\n");
    for (const GuardStatement& s : GuardStatements(g)) {
      absl::StrAppend(&out, "\t\t", GuardStatementText(s), "\n");
    }
    out += "\t}\n";
    absl::StrAppend(&out, "\t# what reaches ", g.endpoint, "\n\tchain ",
                    kDeliverChainPrefix, g.device,
                    " {\n\t\ttype filter hook egress device \"", g.device,
                    "\" priority -500; policy accept;\n");
    for (const GuardStatement& s : DeliverStatements(g)) {
      absl::StrAppend(&out, "\t\t", GuardStatementText(s), "\n");
    }
    out += "\t}\n";
  }
  out += "}\n";
  return out;
}

}  // namespace podwall::nft
