#ifndef PODWALL_ENFORCER_NFT_READBACK_H_
#define PODWALL_ENFORCER_NFT_READBACK_H_

// Reading podwall's tables back from the kernel and comparing them with a
// Ruleset: rules expression by expression (libnftnl's own printing of the
// rule podwall would build against the rule the kernel holds; counter
// values aside), guard chains likewise, sets by name, elements by key,
// flags and verdict. This is how adoption (a table left by an earlier
// podwall is kept when it already holds the desired ruleset) and drift
// detection (someone edited the tables) see the kernel.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "enforcer/nft/netlink_socket.h"
#include "enforcer/nft/ruleset.h"

struct nftnl_rule;

namespace podwall::nft {

// True when podwall's tables hold exactly `ruleset`; false when they differ
// or are missing. Errors are the dumps' own (a socket failure).
absl::StatusOr<bool> KernelHolds(NetlinkSocket& socket, const Ruleset& ruleset);

// Fingerprints: what podwall would write, in the form a dump of the kernel
// gives (counters' values left out).
std::string RuleFingerprint(const nftnl_rule* rule);
std::vector<std::string> RuleFingerprints(const Chain& chain);
std::vector<std::string> GuardFingerprints(const SpoofGuard& guard);
std::vector<std::string> DeliverFingerprints(const SpoofGuard& guard);
// Of the guard's chain after tc in the table of `family`.
std::vector<std::string> AfterTcGuardFingerprints(uint16_t family,
                                                  const SpoofGuard& guard);
// Of the entries of map guard_devices, sorted.
std::vector<std::string> GuardMapFingerprints(
    const std::vector<SpoofGuard>& guards);
std::string ElementFingerprint(const void* key, uint32_t key_len,
                               uint32_t flags, const std::string& jump);
// Sorted.
std::vector<std::string> ElementFingerprints(const Set& set);

}  // namespace podwall::nft

#endif  // PODWALL_ENFORCER_NFT_READBACK_H_
