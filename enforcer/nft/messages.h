#ifndef PODWALL_ENFORCER_NFT_MESSAGES_H_
#define PODWALL_ENFORCER_NFT_MESSAGES_H_

// A Transaction as nf_tables netlink messages (libnftnl), appended to a
// batch in the transaction's order: tables, sets (keys typed so nft(8) can
// print them), elements in chunks, chains, rules, guards. Every message
// asks for an ack and describes itself, so a refused one names its
// operation ("add rule 3 to chain in_x/a (NetworkPolicy/x/p/ingress/0)").

#include <cstdint>
#include <string>
#include <vector>

#include "enforcer/nft/netlink_batch.h"
#include "enforcer/nft/ruleset.h"
#include "enforcer/nft/transaction.h"

namespace podwall::nft {

// Appends the messages of `tx`, between whatever BEGIN and END the caller
// adds.
void EncodeTransaction(const Transaction& tx, NetlinkBatch& batch);

// A set element as the kernel stores it: key bytes (concatenations padded
// to 4-byte registers), flags and, in verdict maps, the chain it jumps to.
struct RawElement {
  std::vector<uint8_t> key;
  uint32_t flags = 0;
  std::string jump;
};

// The raw elements of `elements` in `set`. Interval sets become boundaries,
// as nft sends them: an element flagged INTERVAL_END opens a gap, and a
// leading gap starts at address 0. `remove`: without map verdicts (a
// delete names keys only).
std::vector<RawElement> RawElements(const Set& set,
                                    const std::vector<SetElement>& elements,
                                    bool remove);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_MESSAGES_H_
