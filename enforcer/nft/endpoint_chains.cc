#include "enforcer/nft/endpoint_chains.h"

#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "enforcer/nft/naming.h"

namespace podwall::nft {
namespace {

using schema::IpFamily;

constexpr IpFamily kFamilies[] = {IpFamily::kV4, IpFamily::kV6};

// What the match rules of one endpoint chain so far match, so that a rule
// every packet of which an earlier rule already matches is left out: the
// first match decides, so it could never decide (nor count, nor mark)
// anything. Several policies often allow the same peers on the same ports
// (copies of one policy, or a namespace-wide allow beside narrower ones),
// and each copy would lengthen every new connection's walk. The first
// matching rule keeps its place, so which rule a connection is attributed
// to does not change. Look-ups and additions are logarithmic: a policy
// with 70,000 rules renders in one pass.
class ChainCoverage {
 public:
  bool Covers(const Rule& r) const {
    if (PortsCover(any_peer_, r)) return true;
    if (r.set.empty()) return false;
    auto it = by_peer_.find(PeerKey(r));
    return it != by_peer_.end() && PortsCover(it->second, r);
  }

  void Add(const Rule& r) {
    Ports& p = r.set.empty() ? any_peer_ : by_peer_[PeerKey(r)];
    if (!r.protocol) {
      p.every_protocol = true;
      return;
    }
    // Merged, disjoint, non-adjacent ranges: first -> last.
    std::map<int, int>& ranges = p.ranges[static_cast<uint8_t>(*r.protocol)];
    auto [first, last] = Range(r);
    auto it = ranges.upper_bound(first);
    if (it != ranges.begin() && std::prev(it)->second >= first - 1) --it;
    while (it != ranges.end() && it->first <= last + 1) {
      first = std::min(first, it->first);
      last = std::max(last, it->second);
      it = ranges.erase(it);
    }
    ranges.emplace(first, last);
  }

 private:
  struct Ports {
    bool every_protocol = false;  // A rule for any protocol and port.
    std::map<uint8_t, std::map<int, int>> ranges;  // By protocol.
  };
  using PeerKeyType = std::tuple<std::string, schema::IpFamily, bool>;

  static PeerKeyType PeerKey(const Rule& r) {
    return {r.set, r.family, r.tuple};
  }
  static std::pair<int, int> Range(const Rule& r) {
    if (!r.dport) return {0, 65535};
    return {r.dport->first, r.dport->second};
  }
  static bool PortsCover(const Ports& p, const Rule& r) {
    if (p.every_protocol) return true;
    if (!r.protocol) return false;
    auto by_proto = p.ranges.find(static_cast<uint8_t>(*r.protocol));
    if (by_proto == p.ranges.end()) return false;
    const auto [first, last] = Range(r);
    auto it = by_proto->second.upper_bound(first);
    if (it == by_proto->second.begin()) return false;
    return std::prev(it)->second >= last;
  }

  Ports any_peer_;
  std::map<PeerKeyType, Ports> by_peer_;
};

// Appends a match rule unless the chain's earlier rules cover it.
void AddMatchRule(Rule rule, ChainCoverage& coverage, Chain& chain) {
  if (coverage.Covers(rule)) return;
  coverage.Add(rule);
  chain.rules.push_back(std::move(rule));
}

struct ChainBuilder {
  const ir::Endpoint& ep;
  ir::Direction dir;
  const RuleLookup& find_rule;
  const RenderOptions& options;
  const SetNames& names;

  // `entry`: the chain the verdict map jumps to, which drops invalid
  // packets first (the chain after the Admin rules needs not repeat it).
  Chain Start(std::string name, bool entry) const {
    Chain chain;
    chain.name = std::move(name);
    chain.comment = absl::StrCat(ir::DirectionName(dir), " of ", ep.id);
    if (entry && !options.audit) {
      Rule invalid;
      invalid.kind = Rule::Kind::kCtInvalidDrop;
      chain.rules.push_back(invalid);
    }
    return chain;
  }

  std::optional<uint16_t> NumberOf(const ir::Rule& rule) const {
    if (!options.flow_log || !options.flow_log->rule_numbers) {
      return std::nullopt;
    }
    return options.flow_log->rule_numbers->NumberOf(rule.id);
  }

  std::optional<LogAction> DenyLog(std::optional<uint16_t> number) const {
    if (!options.flow_log) return std::nullopt;
    std::string prefix =
        absl::StrCat(options.audit ? kAuditLogPrefix : kDenyLogPrefix,
                     ir::DirectionName(dir));
    // A rule that denies by name (ClusterNetworkPolicy Deny) says which.
    if (number) absl::StrAppend(&prefix, " #", *number);
    return LogAction{options.flow_log->deny_rate, options.flow_log->deny_group,
                     std::move(prefix)};
  }

  // The kernel rules of one bound rule: one per (peer set, port range),
  // each ending in `verdict` (and `goto_chain`).
  void AddRule(const ir::EndpointRule& binding, Verdict verdict,
               const std::string& goto_chain, ChainCoverage& coverage,
               Chain& chain) const {
    const ir::Rule* rule = find_rule(binding.rule_id);
    if (!rule) return;
    const bool decides = rule->action == ir::Action::kAllow ||
                         rule->action == ir::Action::kAccept;
    // Flow logs: the number of the rule that allowed the connection on its
    // mark, in this direction's half.
    std::optional<std::pair<uint32_t, uint32_t>> mark;
    if (options.flow_log && decides) {
      const uint32_t n = NumberOf(*rule).value_or(kUnnumberedRule);
      mark = dir == ir::Direction::kEgress
                 ? std::make_pair(0x0000ffffu, n << 16)
                 : std::make_pair(0xffff0000u, n);
    }
    std::optional<LogAction> log;
    if (rule->action == ir::Action::kDeny) {
      log = DenyLog(NumberOf(*rule).value_or(kUnnumberedRule));
    }
    const AddressField peer_field = dir == ir::Direction::kIngress
                                        ? AddressField::kSource
                                        : AddressField::kDestination;
    auto emit = [&](Rule r) {
      r.kind = Rule::Kind::kMatch;
      r.field = peer_field;
      r.set_ct_mark = mark;
      r.counter = true;
      r.log = log;
      r.verdict = verdict;
      r.goto_chain = goto_chain;
      r.comment = rule->id;
      AddMatchRule(std::move(r), coverage, chain);
    };
    // Peer alternatives: (family, set) or "any".
    std::vector<std::pair<IpFamily, std::string>> peers;
    if (rule->any_peer) {
      peers.emplace_back(IpFamily::kV4, "");
    } else {
      for (const std::string& id : rule->pod_set_ids) {
        for (IpFamily f : kFamilies) {
          peers.emplace_back(f, names.Name(SetKind::kPods, id, f));
        }
      }
      if (!rule->cidr_set_id.empty()) {
        for (IpFamily f : kFamilies) {
          peers.emplace_back(f,
                             names.Name(SetKind::kCidr, rule->cidr_set_id, f));
        }
      }
    }
    std::vector<std::optional<ir::PortRange>> ports;
    if (rule->any_port) {
      ports.emplace_back();
    } else {
      for (const ir::PortRange& p : rule->ports) ports.emplace_back(p);
      for (const ir::PortRange& p : binding.named_ports) ports.emplace_back(p);
    }
    for (const auto& [family, set] : peers) {
      for (const auto& port : ports) {
        Rule r;
        r.family = family;
        r.set = set;
        if (port) {
          r.protocol = port->protocol;
          if (port->first != 0 || port->last != 65535) {
            r.dport = {port->first, port->last};
          }
        }
        emit(std::move(r));
      }
    }
    if (!rule->port_set_id.empty()) {
      for (IpFamily f : kFamilies) {
        Rule r;
        r.family = f;
        r.set = names.Name(SetKind::kPorts, rule->port_set_id, f);
        r.tuple = true;
        emit(std::move(r));
      }
    }
  }

  // What follows the Admin tier: NetworkPolicy when it isolates, else the
  // Baseline tier. Nullopt when that leaves the direction open.
  std::optional<Chain> AfterAdmin(std::string name, bool entry) const {
    const ir::EndpointSide& side =
        dir == ir::Direction::kIngress ? ep.ingress : ep.egress;
    if (!side.isolated && side.baseline.empty()) return std::nullopt;
    Chain chain = Start(std::move(name), entry);
    ChainCoverage coverage;
    if (!side.isolated) {
      for (const ir::EndpointRule& b : side.baseline) {
        const ir::Rule* rule = find_rule(b.rule_id);
        if (!rule) continue;
        const bool deny = rule->action == ir::Action::kDeny && !options.audit;
        AddRule(b, deny ? Verdict::kDrop : Verdict::kReturn, "", coverage,
                chain);
      }
      return chain;
    }
    for (const ir::EndpointRule& b : side.rules) {
      AddRule(b, Verdict::kReturn, "", coverage, chain);
    }
    if (std::optional<LogAction> log = DenyLog(std::nullopt)) {
      Rule r;
      r.kind = Rule::Kind::kMatch;
      r.log = std::move(log);
      r.verdict = Verdict::kContinue;
      chain.rules.push_back(std::move(r));
    }
    Rule deny;
    deny.kind = Rule::Kind::kMatch;
    deny.counter = true;
    deny.verdict = options.audit ? Verdict::kReturn : Verdict::kDrop;
    deny.comment = absl::StrCat(options.audit ? "audit: would deny " : "deny ",
                                ir::DirectionName(dir), " ", ep.id);
    chain.rules.push_back(std::move(deny));
    return chain;
  }
};

}  // namespace

std::vector<Chain> RenderSideChains(const ir::Endpoint& ep, ir::Direction dir,
                                    const RuleLookup& find_rule,
                                    const RenderOptions& options,
                                    const SetNames& names) {
  const ir::EndpointSide& side =
      dir == ir::Direction::kIngress ? ep.ingress : ep.egress;
  std::vector<Chain> out;
  if (!side.enforced()) return out;
  const ChainBuilder b{ep, dir, find_rule, options, names};
  const std::string entry = EndpointChainName(ep.id, dir);
  if (side.admin.empty()) {
    if (std::optional<Chain> rest = b.AfterAdmin(entry, /*entry=*/true)) {
      out.push_back(std::move(*rest));
    }
    return out;
  }
  std::optional<Chain> rest =
      b.AfterAdmin(AfterAdminChainName(ep.id, dir), /*entry=*/false);
  const std::string next = rest ? rest->name : "";
  Chain chain = b.Start(entry, /*entry=*/true);
  ChainCoverage coverage;
  for (const ir::EndpointRule& binding : side.admin) {
    const ir::Rule* rule = find_rule(binding.rule_id);
    if (!rule) continue;
    switch (rule->action) {
      case ir::Action::kDeny:
        b.AddRule(binding, options.audit ? Verdict::kReturn : Verdict::kDrop,
                  "", coverage, chain);
        break;
      case ir::Action::kPass:
        b.AddRule(binding, next.empty() ? Verdict::kReturn : Verdict::kGoto,
                  next, coverage, chain);
        break;
      default:
        b.AddRule(binding, Verdict::kReturn, "", coverage, chain);
        break;
    }
  }
  if (!next.empty()) {
    Rule r;
    r.kind = Rule::Kind::kMatch;
    r.verdict = Verdict::kGoto;
    r.goto_chain = next;
    chain.rules.push_back(std::move(r));
  }
  out.push_back(std::move(chain));
  if (rest) out.push_back(std::move(*rest));
  return out;
}

}  // namespace podwall::nft
