#ifndef PODWALL_ENFORCER_NFT_EXPRESSIONS_H_
#define PODWALL_ENFORCER_NFT_EXPRESSIONS_H_

// Rules as libnftnl expressions, built exactly as nft(8) builds the same
// statements (so that `nft list` prints them back as the text nft_text.h
// writes, and a read-back compares equal): the expression builders, and a
// whole podwall Rule of table inet podwall.

#include <cstdint>
#include <string>

#include "enforcer/netlink/handles.h"
#include "enforcer/nft/ruleset.h"

namespace podwall::nft {

// One expression each, appended to `r`.
void AddMeta(nftnl_rule* r, uint32_t key, uint32_t dreg);
// Compares register 1 with `data`.
void AddCmp(nftnl_rule* r, uint32_t op, const void* data, uint32_t len);
void AddPayload(nftnl_rule* r, uint32_t base, uint32_t offset, uint32_t len,
                uint32_t dreg);
// Register 1 = (register 1 & mask) ^ xor, over `len` bytes.
void AddBitwise(nftnl_rule* r, uint32_t len, const void* mask,
                const void* xor_value);
void AddCounter(nftnl_rule* r);
// limit rate `per_second`/second burst `burst` packets.
void AddPacketLimit(nftnl_rule* r, uint64_t per_second, uint32_t burst);
// An immediate verdict (NF_ACCEPT, NF_DROP, NFT_RETURN, ...).
void AddVerdict(nftnl_rule* r, int verdict);
// Looks register 1 up in set `set` (a verdict map: its verdict applies;
// otherwise a match, `inverted` for !=).
void AddLookup(nftnl_rule* r, const std::string& set, bool verdict_map,
               bool inverted = false);
// The rule's comment, as nft stores it (user data).
void SetRuleComment(nftnl_rule* r, const std::string& comment);

// `rule` of chain `chain` in table inet podwall.
netlink::NftRule BuildRule(const std::string& chain, const Rule& rule);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_EXPRESSIONS_H_
