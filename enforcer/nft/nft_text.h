#ifndef PODWALL_ENFORCER_NFT_NFT_TEXT_H_
#define PODWALL_ENFORCER_NFT_NFT_TEXT_H_

// Prints a Ruleset as nft(8) input that `nft -c -f -` accepts and that
// `nft -f` loads into exactly what the netlink encoder sends. The text
// starts by creating and deleting the table, so loading it replaces any
// previous podwall table atomically.

#include <string>

#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

std::string ToNftText(const Ruleset& ruleset);

// One rule of table inet podwall, as it appears in a chain of that text
// (comment included).
std::string RuleText(const Rule& rule);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_NFT_TEXT_H_
