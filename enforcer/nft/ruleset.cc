#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

const Set* Ruleset::FindSet(std::string_view name) const {
  for (const Set& s : sets) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Set* Ruleset::FindSet(std::string_view name) {
  for (Set& s : sets) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const Chain* Ruleset::FindChain(std::string_view name) const {
  for (const Chain& c : chains) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace podwall::nft
