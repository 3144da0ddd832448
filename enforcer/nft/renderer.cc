#include "enforcer/nft/renderer.h"

#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "enforcer/nft/endpoint_chains.h"
#include "enforcer/nft/naming.h"
#include "enforcer/nft/set_names.h"

namespace podwall::nft {
namespace {

using schema::IpAddress;
using schema::IpFamily;

constexpr IpFamily kFamilies[] = {IpFamily::kV4, IpFamily::kV6};

SetElement AddressElement(const IpAddress& a) { return {a, a, {}, 0, ""}; }

SetElement TupleElement(const ir::AddressPortTuple& t) {
  return {t.address, t.address, t.protocol, t.port, ""};
}

// Everything one local endpoint contributes: its chains, its verdict-map
// entries (map name, element) and its anti-spoofing guard.
EndpointObjects RenderEndpoint(const ir::Endpoint& ep,
                               const RuleLookup& find_rule,
                               const RenderOptions& options,
                               const SetNames& names) {
  EndpointObjects out;
  out.endpoint = ep.id;
  for (ir::Direction dir : {ir::Direction::kIngress, ir::Direction::kEgress}) {
    out.chain_names.push_back(EndpointChainName(ep.id, dir));
    out.chain_names.push_back(AfterAdminChainName(ep.id, dir));
    std::vector<Chain> chains =
        RenderSideChains(ep, dir, find_rule, options, names);
    if (chains.empty()) continue;
    for (const IpAddress& a : ep.addresses) {
      SetElement e;
      e.address = a;
      e.jump_chain = chains.front().name;
      out.map_entries.emplace_back(VerdictMapName(dir, a.family), std::move(e));
    }
    for (Chain& c : chains) out.chains.push_back(std::move(c));
  }
  // What cannot be judged by unicast address (broadcast, multicast, ...)
  // is kept from a pod whose ingress some rule can deny.
  const bool ingress_can_deny =
      ep.ingress.isolated || ep.ingress.AnyBinding([&](const std::string& id) {
        const ir::Rule* rule = find_rule(id);
        return rule && rule->action == ir::Action::kDeny;
      });
  for (const std::string& device : ep.interfaces) {
    // Audit mode drops nothing, so nothing is kept from the pod either.
    out.guards.push_back(SpoofGuard{device, ep.id, ep.addresses,
                                    ingress_can_deny && !options.audit});
  }
  return out;
}

// The kernel sets of one IR set, one per family.
void RenderPodSet(const ir::PodSet& s, const SetNames& names,
                  std::vector<Set>& out) {
  for (IpFamily f : kFamilies) {
    Set set;
    set.name = names.Name(SetKind::kPods, s.id, f);
    set.comment = s.id;
    set.key = f == IpFamily::kV4 ? KeyType::kIpv4 : KeyType::kIpv6;
    for (const IpAddress& a : s.addresses) {
      if (a.family == f) set.elements.push_back(AddressElement(a));
    }
    out.push_back(std::move(set));
  }
}

// The addresses of the local pods, for guarded networks.
void RenderKnownSets(const std::vector<const ir::Endpoint*>& endpoints,
                     std::vector<Set>& out) {
  for (IpFamily f : kFamilies) {
    Set set;
    set.name = KnownSetName(f);
    set.comment = "addresses of the local pods";
    set.key = f == IpFamily::kV4 ? KeyType::kIpv4 : KeyType::kIpv6;
    for (const auto& ep : endpoints) {
      for (const IpAddress& a : ep->addresses) {
        if (a.family == f) set.elements.push_back(AddressElement(a));
      }
    }
    std::sort(set.elements.begin(), set.elements.end());
    set.elements.erase(std::unique(set.elements.begin(), set.elements.end()),
                       set.elements.end());
    out.push_back(std::move(set));
  }
}

// The guarded networks as interval sets (overlaps merged, as the kernel
// wants them).
void RenderGuardedSets(std::vector<schema::IpPrefix> networks,
                       std::vector<Set>& out) {
  std::sort(networks.begin(), networks.end());
  for (IpFamily f : kFamilies) {
    Set set;
    set.name = GuardedSetName(f);
    set.comment = "pod networks where only known pods may talk";
    set.key = f == IpFamily::kV4 ? KeyType::kIpv4 : KeyType::kIpv6;
    set.interval = true;
    for (const schema::IpPrefix& p : networks) {
      if (p.address.family != f) continue;
      const IpAddress last = p.Last();
      if (!set.elements.empty() &&
          set.elements.back().address_end >= p.address) {
        set.elements.back().address_end =
            std::max(set.elements.back().address_end, last);
        continue;
      }
      set.elements.push_back({p.address, last, {}, 0, ""});
    }
    out.push_back(std::move(set));
  }
}

void RenderCidrSet(const ir::CidrSet& s, const SetNames& names,
                   std::vector<Set>& out) {
  for (IpFamily f : kFamilies) {
    Set set;
    set.name = names.Name(SetKind::kCidr, s.id, f);
    set.comment = s.id;
    set.key = f == IpFamily::kV4 ? KeyType::kIpv4 : KeyType::kIpv6;
    set.interval = true;
    for (const ir::AddressRange& r : s.ranges) {
      if (r.first.family == f) {
        set.elements.push_back({r.first, r.last, {}, 0, ""});
      }
    }
    out.push_back(std::move(set));
  }
}

void RenderPortSet(const ir::PortSet& s, const SetNames& names,
                   std::vector<Set>& out) {
  for (IpFamily f : kFamilies) {
    Set set;
    set.name = names.Name(SetKind::kPorts, s.id, f);
    set.comment = s.id;
    set.key =
        f == IpFamily::kV4 ? KeyType::kIpv4ProtoPort : KeyType::kIpv6ProtoPort;
    for (const ir::AddressPortTuple& t : s.tuples) {
      if (t.address.family == f) set.elements.push_back(TupleElement(t));
    }
    out.push_back(std::move(set));
  }
}

bool BindsAnyRule(const ir::EndpointSide& side,
                  const std::set<std::string>& rule_ids) {
  return side.AnyBinding(
      [&](const std::string& id) { return rule_ids.contains(id); });
}

std::vector<ElementUpdate> RenderSetElementUpdates(
    const ir::NodePolicyDelta& delta, const SetNames& names) {
  std::vector<ElementUpdate> out;
  for (IpFamily f : kFamilies) {
    for (const auto& [id, d] : delta.pod_set_elements) {
      ElementUpdate u{names.Name(SetKind::kPods, id, f), {}, {}};
      for (const IpAddress& a : d.added) {
        if (a.family == f) u.add.push_back(AddressElement(a));
      }
      for (const IpAddress& a : d.removed) {
        if (a.family == f) u.remove.push_back(AddressElement(a));
      }
      if (!u.add.empty() || !u.remove.empty()) out.push_back(std::move(u));
    }
    for (const auto& [id, d] : delta.port_set_elements) {
      ElementUpdate u{names.Name(SetKind::kPorts, id, f), {}, {}};
      for (const auto& t : d.added) {
        if (t.address.family == f) u.add.push_back(TupleElement(t));
      }
      for (const auto& t : d.removed) {
        if (t.address.family == f) u.remove.push_back(TupleElement(t));
      }
      if (!u.add.empty() || !u.remove.empty()) out.push_back(std::move(u));
    }
  }
  return out;
}

}  // namespace

RulesetPatch RenderPatch(const ir::NodePolicyDelta& delta,
                         const ir::NodePolicyView& view,
                         const RenderOptions& options) {
  const SetNames unnamed;
  const SetNames& names = options.set_names ? *options.set_names : unnamed;
  RulesetPatch patch;
  // Sets that came or went (a set deleted and re-created within the delta
  // is rendered anew).
  for (const std::string& id : delta.pod_sets_created) {
    if (auto set = view.GetPodSet(id)) RenderPodSet(*set, names, patch.sets);
  }
  for (const std::string& id : delta.cidr_sets_created) {
    if (auto set = view.GetCidrSet(id)) RenderCidrSet(*set, names, patch.sets);
  }
  for (const std::string& id : delta.port_sets_created) {
    if (auto set = view.GetPortSet(id)) RenderPortSet(*set, names, patch.sets);
  }
  auto deleted = [&](const std::set<std::string>& ids, SetKind kind,
                     auto exists) {
    for (const std::string& id : ids) {
      if (exists(id)) continue;
      for (IpFamily f : kFamilies) {
        patch.deleted_sets.push_back(names.Name(kind, id, f));
      }
    }
  };
  deleted(delta.pod_sets_deleted, SetKind::kPods, [&](const std::string& id) {
    return view.GetPodSet(id).has_value();
  });
  deleted(delta.cidr_sets_deleted, SetKind::kCidr, [&](const std::string& id) {
    return view.GetCidrSet(id).has_value();
  });
  deleted(delta.port_sets_deleted, SetKind::kPorts, [&](const std::string& id) {
    return view.GetPortSet(id).has_value();
  });

  // Endpoints: those that changed, and those bound to a rule that changed
  // (their chains embed the rule).
  std::set<std::string> endpoints = delta.endpoints;
  if (!delta.rules.empty()) {
    for (const ir::Endpoint* ep : view.Endpoints()) {
      if (BindsAnyRule(ep->ingress, delta.rules) ||
          BindsAnyRule(ep->egress, delta.rules)) {
        endpoints.insert(ep->id);
      }
    }
  }
  const RuleLookup find_rule = [&view](const std::string& id) {
    return view.FindRule(id);
  };
  for (const std::string& id : endpoints) {
    if (const ir::Endpoint* ep = view.FindEndpoint(id)) {
      patch.endpoints.push_back(RenderEndpoint(*ep, find_rule, options, names));
    } else {
      EndpointObjects gone;
      gone.endpoint = id;
      for (ir::Direction dir :
           {ir::Direction::kIngress, ir::Direction::kEgress}) {
        gone.chain_names.push_back(EndpointChainName(id, dir));
      }
      patch.endpoints.push_back(std::move(gone));
    }
  }
  patch.elements = RenderSetElementUpdates(delta, names);
  // Local pods came, went or moved: the known addresses follow (whole; the
  // backend sends the difference).
  if (!options.guarded_networks.empty() && !delta.endpoints.empty()) {
    RenderKnownSets(view.Endpoints(), patch.sets);
  }
  return patch;
}

Ruleset RenderRuleset(const ir::NodePolicy& policy,
                      const RenderOptions& options) {
  SetNames own_names;
  if (!options.set_names) own_names.Reset(policy);
  const SetNames& names = options.set_names ? *options.set_names : own_names;
  Ruleset out;
  for (const ir::PodSet& s : policy.pod_sets) RenderPodSet(s, names, out.sets);
  for (const ir::CidrSet& s : policy.cidr_sets) {
    RenderCidrSet(s, names, out.sets);
  }
  for (const ir::PortSet& s : policy.port_sets) {
    RenderPortSet(s, names, out.sets);
  }
  if (!options.guarded_networks.empty()) {
    std::vector<const ir::Endpoint*> endpoints;
    for (const ir::Endpoint& ep : policy.endpoints) endpoints.push_back(&ep);
    RenderKnownSets(endpoints, out.sets);
    RenderGuardedSets(options.guarded_networks, out.sets);
  }
  std::sort(out.sets.begin(), out.sets.end(),
            [](const Set& a, const Set& b) { return a.name < b.name; });

  // Verdict maps, in a fixed order: ingress v4/v6, egress v4/v6.
  std::vector<Set> maps(4);
  int i = 0;
  for (ir::Direction d : {ir::Direction::kIngress, ir::Direction::kEgress}) {
    for (IpFamily f : kFamilies) {
      maps[i].name = VerdictMapName(d, f);
      maps[i].comment = absl::StrCat(ir::DirectionName(d),
                                     " chain of each isolated local pod");
      maps[i].key = f == IpFamily::kV4 ? KeyType::kIpv4 : KeyType::kIpv6;
      maps[i].verdict_map = true;
      ++i;
    }
  }
  const RuleLookup find_rule = [&policy](const std::string& id) {
    return policy.FindRule(id);
  };
  for (const ir::Endpoint& ep : policy.endpoints) {
    EndpointObjects objects = RenderEndpoint(ep, find_rule, options, names);
    for (Chain& c : objects.chains) out.chains.push_back(std::move(c));
    for (auto& [map, e] : objects.map_entries) {
      for (Set& m : maps) {
        if (m.name == map) m.elements.push_back(std::move(e));
      }
    }
    for (SpoofGuard& g : objects.guards) out.guards.push_back(std::move(g));
  }
  for (Set& m : maps) {
    std::sort(m.elements.begin(), m.elements.end());
    out.sets.push_back(std::move(m));
  }

  Chain forward;
  forward.name = "forward";
  forward.comment =
      "new connections: egress of the source, then ingress of "
      "the destination";
  forward.base_forward = true;
  Rule established;
  established.kind = Rule::Kind::kCtEstablishedAccept;
  forward.rules.push_back(established);
  // IPv6 neighbour discovery between bridged pods crosses this hook (with
  // br_netfilter); like ARP for IPv4 it is link plumbing, not a connection
  // policy decides, and blocking it would cut allowed IPv6 traffic.
  Rule nd;
  nd.kind = Rule::Kind::kNeighborDiscoveryAccept;
  forward.rules.push_back(nd);
  if (!options.guarded_networks.empty()) {
    for (IpFamily f : kFamilies) {
      for (AddressField field :
           {AddressField::kDestination, AddressField::kSource}) {
        Rule unknown;
        unknown.kind = Rule::Kind::kMatch;
        unknown.family = f;
        unknown.field = field;
        unknown.set = GuardedSetName(f);
        unknown.unless_set = KnownSetName(f);
        unknown.counter = true;
        unknown.verdict = options.audit ? Verdict::kContinue : Verdict::kDrop;
        unknown.comment =
            field == AddressField::kDestination
                ? "to an address in a pod network that no known pod holds"
                : "from an address in a pod network that no known pod holds";
        forward.rules.push_back(std::move(unknown));
      }
    }
  }
  for (ir::Direction d : {ir::Direction::kEgress, ir::Direction::kIngress}) {
    for (IpFamily f : kFamilies) {
      Rule vmap;
      vmap.kind = Rule::Kind::kVmap;
      vmap.family = f;
      vmap.field = d == ir::Direction::kEgress ? AddressField::kSource
                                               : AddressField::kDestination;
      vmap.set = VerdictMapName(d, f);
      forward.rules.push_back(std::move(vmap));
    }
  }
  if (options.flow_log) {
    // A side no policy isolates has no chain to mark the connection: mark
    // it kUnnumberedRule here, so the flow log records it allowed (with no
    // policy to name) — what `podwall suggest` learns from.
    // kUnnumberedRule fills its half: the half is both mask and value.
    for (uint32_t side :
         {uint32_t{kUnnumberedRule} << 16, uint32_t{kUnnumberedRule}}) {
      Rule mark;
      mark.kind = Rule::Kind::kMatch;
      mark.ct_mark_unset = side;
      mark.set_ct_mark = std::make_pair(~side, side);
      mark.verdict = Verdict::kContinue;
      forward.rules.push_back(std::move(mark));
    }
  }
  out.chains.push_back(std::move(forward));

  std::sort(out.guards.begin(), out.guards.end(),
            [](const SpoofGuard& a, const SpoofGuard& b) {
              return a.device < b.device;
            });
  return out;
}

}  // namespace podwall::nft
