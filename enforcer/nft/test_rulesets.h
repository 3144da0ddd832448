#ifndef PODWALL_ENFORCER_NFT_TEST_RULESETS_H_
#define PODWALL_ENFORCER_NFT_TEST_RULESETS_H_

// Small hand-made rulesets for the nft unit tests. Test-only.

#include <string>
#include <vector>

#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

// A hash-set (or, with `jump`, verdict-map) element for address `ip`.
inline SetElement Addr(const char* ip, const std::string& jump = "") {
  auto a = *schema::IpAddress::Parse(ip);
  return {a, a, {}, 0, jump};
}

// One IPv4 hash set, pods_v4, holding `elements`.
inline Ruleset PodsRuleset(std::vector<SetElement> elements) {
  Ruleset r;
  r.sets.push_back(
      {"pods_v4", "", KeyType::kIpv4, false, false, std::move(elements)});
  return r;
}

// One isolated endpoint: pods_v4 {10.0.0.2}; ingress_v4 {10.0.0.1 : jump
// in_x/a}; in_x/a returns what comes from pods_v4; the base chain looks up
// ingress_v4; a guard on veth1 for 10.0.0.1.
inline Ruleset EndpointRuleset() {
  Ruleset r = PodsRuleset({Addr("10.0.0.2")});
  r.sets.push_back({"ingress_v4",
                    "",
                    KeyType::kIpv4,
                    false,
                    true,
                    {Addr("10.0.0.1", "in_x/a")}});
  Rule allow;
  allow.set = "pods_v4";
  allow.verdict = Verdict::kReturn;
  r.chains.push_back({"in_x/a", "", false, {allow}});
  Rule vmap;
  vmap.kind = Rule::Kind::kVmap;
  vmap.field = AddressField::kDestination;
  vmap.set = "ingress_v4";
  r.chains.push_back({"forward", "", true, {vmap}});
  r.guards.push_back({"veth1", "x/a", {*schema::IpAddress::Parse("10.0.0.1")}});
  return r;
}

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_TEST_RULESETS_H_
